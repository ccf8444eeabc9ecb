-- Playlists read model. Portable DDL for PostgreSQL and SQLite (the SQLite store maps COLLATE "C" to
-- BINARY): ranks must sort byte-wise, whatever the database's default collation.
CREATE TABLE IF NOT EXISTS playlists (
    playlist_id  TEXT PRIMARY KEY,
    owner_id     TEXT NOT NULL,
    name         TEXT NOT NULL,
    description  TEXT NOT NULL,
    visibility   TEXT NOT NULL,
    version      BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS playlists_owner ON playlists (owner_id, updated_at);
CREATE INDEX IF NOT EXISTS playlists_visibility ON playlists (visibility, updated_at);

CREATE TABLE IF NOT EXISTS playlist_items (
    playlist_id  TEXT NOT NULL,
    item_id      TEXT NOT NULL,
    track_id     TEXT NOT NULL,
    rank         TEXT COLLATE "C" NOT NULL,
    added_at     BIGINT NOT NULL,
    added_by     TEXT,
    PRIMARY KEY (playlist_id, item_id)
);
CREATE INDEX IF NOT EXISTS playlist_items_order ON playlist_items (playlist_id, rank, item_id);
