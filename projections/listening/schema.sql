-- Listening read model (PostgreSQL and SQLite): one row per session (= listener), its queue in play
-- order, and one history row per play. Times are epoch milliseconds. The session row is created by
-- whatever event comes first (an upsert of version/updated_at), so every other column has a default.
-- position_ms and duration_ms are in the timeline of what plays: the original, or the render asset_key.
CREATE TABLE IF NOT EXISTS listening_sessions (
    session_id            TEXT PRIMARY KEY,
    device_id             TEXT,
    superseded_device_id  TEXT,
    play_no               BIGINT NOT NULL DEFAULT 0,
    item_id               TEXT,
    track_id              TEXT,
    duration_ms           BIGINT,
    asset_key             TEXT,
    tempo                 DOUBLE PRECISION NOT NULL DEFAULT 1,
    playing               BOOLEAN NOT NULL DEFAULT FALSE,
    position_ms           BIGINT NOT NULL DEFAULT 0,
    position_at           BIGINT NOT NULL DEFAULT 0,
    shuffle               BOOLEAN NOT NULL DEFAULT FALSE,
    shuffle_seed          BIGINT NOT NULL DEFAULT 0,
    repeat_mode           TEXT NOT NULL DEFAULT 'off',
    queue_source          TEXT NOT NULL DEFAULT '',
    version               BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS listening_queue (
    session_id   TEXT NOT NULL,
    item_id      TEXT NOT NULL,
    track_id     TEXT NOT NULL,
    duration_ms  BIGINT NOT NULL,
    rank         TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (session_id, item_id)
);
CREATE INDEX IF NOT EXISTS listening_queue_order ON listening_queue (session_id, rank, item_id);

-- outcome: playing | paused | finished | skipped. A play counts (play counts, charts) once it finished
-- or 30 s of it were heard; "continue listening" is the latest unfinished play of each track.
CREATE TABLE IF NOT EXISTS listening_history (
    session_id   TEXT NOT NULL,
    play_no      BIGINT NOT NULL,
    item_id      TEXT NOT NULL,
    track_id     TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    duration_ms  BIGINT NOT NULL,
    started_at   BIGINT NOT NULL,
    ended_at     BIGINT,
    position_ms  BIGINT NOT NULL,
    heard_ms     BIGINT NOT NULL,
    outcome      TEXT NOT NULL,
    PRIMARY KEY (session_id, play_no)
);
CREATE INDEX IF NOT EXISTS listening_history_recent ON listening_history (session_id, started_at);
CREATE INDEX IF NOT EXISTS listening_history_track ON listening_history (track_id, outcome);
