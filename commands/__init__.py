"""The command API: validates HTTP requests into commands, submits them, awaits the decider's verdict."""
