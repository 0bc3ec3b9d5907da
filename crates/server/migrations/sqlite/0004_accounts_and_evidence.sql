-- Accounts apart from the "same user" group (issue 10). Before, every identifier a sign-in
-- presented, a device id chosen by the client included, was a way into one shared resident: a
-- stranger who knew a device id opened its wallet. Now:
-- * a resident row is an account; only a credential signs it in (a phone proved by a code, or a
--   partner's account proved by the partner's signature);
-- * everything else presented is evidence for the "same user" rule, which links accounts into a
--   group (user_group, the oldest account's id) that only campaigns with that rule count against.
-- Keys are now keyed digests (HMAC with the service's identity key), so a leaked database does not
-- give phone numbers away by trying every number. Keys from before cannot be converted; they are
-- kept aside in identifiers_before_0004, and an account of before is reached again by nobody.
ALTER TABLE identifiers RENAME TO identifiers_before_0004;
ALTER TABLE residents ADD COLUMN user_group INTEGER NOT NULL DEFAULT 0;
UPDATE residents SET user_group = id;
CREATE INDEX residents_by_group ON residents (user_group);

CREATE TABLE credentials (
    key       TEXT PRIMARY KEY NOT NULL,
    resident  INTEGER NOT NULL REFERENCES residents (id)
) STRICT;

CREATE TABLE evidence (
    key       TEXT NOT NULL,
    resident  INTEGER NOT NULL REFERENCES residents (id),
    PRIMARY KEY (key, resident)
) STRICT;
CREATE INDEX evidence_by_resident ON evidence (resident);

-- Allowlists are read again from their files, under keyed digests.
DELETE FROM allowlist_entries;

CREATE INDEX sessions_by_resident ON sessions (resident);

-- One-time codes, by the phone's keyed digest. A code is used once (code_hash cleared); the counts
-- survive a resend: at most `attempts` wrong tries per window, `sends` codes per day.
DROP TABLE otp_codes;
CREATE TABLE otp_codes (
    phone_key       TEXT PRIMARY KEY NOT NULL,
    code_hash       TEXT,
    expires_at      INTEGER NOT NULL,
    sent_at         INTEGER NOT NULL,
    sends           INTEGER NOT NULL,
    sends_since     INTEGER NOT NULL,
    attempts        INTEGER NOT NULL,
    attempts_since  INTEGER NOT NULL
) STRICT;

-- Partner tokens already used (by their id), until they expire: a replayed link signs nobody in.
CREATE TABLE used_partner_tokens (
    key         TEXT PRIMARY KEY NOT NULL,
    expires_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX used_partner_tokens_by_expiry ON used_partner_tokens (expires_at);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
