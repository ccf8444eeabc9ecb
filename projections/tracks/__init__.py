"""The tracks read model: one row per live track (by id, by content hash, recent) and one per artist credit."""
