-- PostgreSQL twin of sqlite/0006: what each shared secret must be, as a keyed check value.
CREATE TABLE key_checks (
    name   TEXT PRIMARY KEY NOT NULL,
    check_value  TEXT NOT NULL
);
