-- PostgreSQL twin of sqlite/0001 (the two are checked to give the same tables and columns).
CREATE TABLE campaigns (
    id          TEXT PRIMARY KEY NOT NULL,
    definition  TEXT NOT NULL,
    loaded_at   TEXT NOT NULL
);
