-- Renders read model (PostgreSQL and SQLite), one row per asset key: the current attempt's status,
-- progress and result. Times are epoch milliseconds. ``cache_hits`` is derived, not written: once an
-- asset is ready the decider appends nothing but cache-hit AssetRendered events, so every version after
-- ``ready_version`` is one hit (a generated column keeps the projection free of read-modify-write).
CREATE TABLE IF NOT EXISTS renders (
    asset_key                TEXT PRIMARY KEY,
    track_id                 TEXT NOT NULL,
    status                   TEXT NOT NULL,
    attempt                  INTEGER NOT NULL,
    percent                  INTEGER NOT NULL,
    segments_ready           INTEGER NOT NULL,
    segments_total           INTEGER NOT NULL,
    rendered_ms              BIGINT NOT NULL,
    entry_key                TEXT,
    output_format            TEXT NOT NULL,
    pitch_cents              INTEGER NOT NULL,
    tempo                    DOUBLE PRECISION NOT NULL,
    formant                  BOOLEAN NOT NULL,
    quality                  TEXT NOT NULL,
    engine                   TEXT NOT NULL,
    engine_version           TEXT NOT NULL,
    source_duration_ms       BIGINT NOT NULL,
    source_bpm               DOUBLE PRECISION,
    source_key               TEXT,
    duration_ms              BIGINT,
    size_bytes               BIGINT,
    result_bpm               DOUBLE PRECISION,
    result_key               TEXT,
    result_key_offset_cents  INTEGER,
    result_lufs              DOUBLE PRECISION,
    failure_reason           TEXT,
    failure_detail           TEXT,
    ready_version            BIGINT,
    cache_hits               BIGINT GENERATED ALWAYS AS (
        CASE WHEN ready_version IS NULL THEN 0 ELSE version - ready_version END
    ) STORED,
    version                  BIGINT NOT NULL,
    requested_at             BIGINT NOT NULL,
    updated_at               BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS renders_track ON renders (track_id);

-- The source bytes each render was made from, so a render's visibility can follow every track that
-- holds those bytes (query_api/readers/renders.py), not only the track that asked first. A table of
-- its own because schema files only CREATE ... IF NOT EXISTS (no ALTER TABLE migrations).
CREATE TABLE IF NOT EXISTS render_sources (
    asset_key       TEXT PRIMARY KEY,
    content_sha256  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS render_sources_sha ON render_sources (content_sha256);
