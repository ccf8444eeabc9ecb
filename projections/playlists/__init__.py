"""The playlists read model: one row per live playlist and one per item, ordered by rank."""
