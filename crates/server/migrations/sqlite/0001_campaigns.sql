-- The campaigns the service offers, as loaded from their data files. The definition is the
-- validated JSON of huiquan_core::Campaign; the file is the seed, the database is the record.
CREATE TABLE campaigns (
    id          TEXT PRIMARY KEY NOT NULL,
    definition  TEXT NOT NULL,
    loaded_at   TEXT NOT NULL
) STRICT;
