"""The embedded default: the ports on SQLite files under one data directory, no servers."""
