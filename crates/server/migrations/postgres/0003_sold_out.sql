-- PostgreSQL twin of sqlite/0003.
ALTER TABLE releases ADD COLUMN sold_out_at BIGINT;
