-- PostgreSQL twin of sqlite/0005.
CREATE INDEX idempotency_by_key ON idempotency (key);
CREATE INDEX idempotency_by_age ON idempotency (created_at);
