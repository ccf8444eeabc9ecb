"""Pure domain model: commands, events, deciders. No I/O and no framework imports, by design."""
