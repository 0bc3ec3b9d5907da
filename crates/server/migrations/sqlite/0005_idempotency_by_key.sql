-- Answers to Idempotency-Keys are no longer all held in memory: the ledger reads those of a
-- batch's keys (now SHA-256 digests of the client's key) by key, and deletes them after 24 hours.
CREATE INDEX idempotency_by_key ON idempotency (key);
CREATE INDEX idempotency_by_age ON idempotency (created_at);
