-- Users read model (PostgreSQL and SQLite).
CREATE TABLE IF NOT EXISTS users (
    user_id        TEXT PRIMARY KEY,
    display_name   TEXT NOT NULL,
    username       TEXT,
    language_code  TEXT,
    version        BIGINT NOT NULL,
    registered_at  BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
