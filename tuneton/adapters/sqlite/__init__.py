"""SQLite adapters for the embedded default."""
