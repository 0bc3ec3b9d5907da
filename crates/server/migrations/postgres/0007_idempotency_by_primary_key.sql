-- Answers are read by their primary key (resident, key) now: the index on the key alone made
-- every claim write a page at a random place in it (the key is a digest).
DROP INDEX idempotency_by_key;
