-- Tracks read model. Portable DDL for PostgreSQL and SQLite. Blob references, renditions and covers are
-- JSON text: the query API only displays them, it never filters on them.
CREATE TABLE IF NOT EXISTS tracks (
    track_id         TEXT PRIMARY KEY,
    owner_id         TEXT NOT NULL,
    visibility       TEXT NOT NULL,
    content_sha256   TEXT NOT NULL,
    title            TEXT NOT NULL,
    sort_key         TEXT COLLATE "C" NOT NULL,
    artists_json     TEXT NOT NULL,
    album            TEXT,
    album_key        TEXT,
    album_artist     TEXT,
    track_number     INTEGER,
    track_total      INTEGER,
    disc_number      INTEGER,
    disc_total       INTEGER,
    year             INTEGER,
    genre            TEXT,
    isrc             TEXT,
    container        TEXT NOT NULL,
    codec            TEXT NOT NULL,
    duration_ms      BIGINT NOT NULL,
    sample_rate      INTEGER NOT NULL,
    channels         INTEGER NOT NULL,
    bitrate          BIGINT,
    original_json    TEXT NOT NULL,
    renditions_json  TEXT NOT NULL,
    covers_json      TEXT NOT NULL,
    cover_source     TEXT NOT NULL,
    version          BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS tracks_sha256 ON tracks (content_sha256);
CREATE INDEX IF NOT EXISTS tracks_recent ON tracks (visibility, created_at);
CREATE INDEX IF NOT EXISTS tracks_owner ON tracks (owner_id, created_at);
CREATE INDEX IF NOT EXISTS tracks_album ON tracks (album_key, disc_number, track_number);

CREATE TABLE IF NOT EXISTS track_artists (
    track_id    TEXT NOT NULL,
    ordinal     INTEGER NOT NULL,
    artist      TEXT NOT NULL,
    artist_key  TEXT NOT NULL,
    PRIMARY KEY (track_id, ordinal)
);
CREATE INDEX IF NOT EXISTS track_artists_key ON track_artists (artist_key, track_id);

-- What ingest measured (BPM, key, EBU R128 loudness); no row when the track was not analysed. A table
-- of its own rather than columns on ``tracks``: the read stores apply this DDL with CREATE ... IF NOT
-- EXISTS and have no ALTER TABLE migrations, so only a new table reaches databases made before it.
CREATE TABLE IF NOT EXISTS track_analysis (
    track_id        TEXT PRIMARY KEY,
    bpm             DOUBLE PRECISION NOT NULL,
    key_tonic       INTEGER NOT NULL,
    key_mode        TEXT NOT NULL,
    key_confidence  DOUBLE PRECISION NOT NULL,
    lufs            DOUBLE PRECISION NOT NULL,
    peak_dbfs       DOUBLE PRECISION NOT NULL
);
