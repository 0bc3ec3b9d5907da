-- PostgreSQL twin of sqlite/0004 (accounts apart from the "same user" group; see that file).
ALTER TABLE identifiers RENAME TO identifiers_before_0004;
ALTER TABLE residents ADD COLUMN user_group BIGINT NOT NULL DEFAULT 0;
UPDATE residents SET user_group = id;
CREATE INDEX residents_by_group ON residents (user_group);

CREATE TABLE credentials (
    key       TEXT PRIMARY KEY NOT NULL,
    resident  BIGINT NOT NULL REFERENCES residents (id)
);

CREATE TABLE evidence (
    key       TEXT NOT NULL,
    resident  BIGINT NOT NULL REFERENCES residents (id),
    PRIMARY KEY (key, resident)
);
CREATE INDEX evidence_by_resident ON evidence (resident);

DELETE FROM allowlist_entries;

CREATE INDEX sessions_by_resident ON sessions (resident);

DROP TABLE otp_codes;
CREATE TABLE otp_codes (
    phone_key       TEXT PRIMARY KEY NOT NULL,
    code_hash       TEXT,
    expires_at      BIGINT NOT NULL,
    sent_at         BIGINT NOT NULL,
    sends           BIGINT NOT NULL,
    sends_since     BIGINT NOT NULL,
    attempts        BIGINT NOT NULL,
    attempts_since  BIGINT NOT NULL
);

CREATE TABLE used_partner_tokens (
    key         TEXT PRIMARY KEY NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX used_partner_tokens_by_expiry ON used_partner_tokens (expires_at);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
