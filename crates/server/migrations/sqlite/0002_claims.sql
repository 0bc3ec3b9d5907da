-- Residents and the things that identify them. Identifier keys are SHA-256 digests of the
-- normalised "kind:value" (huiquan_core::Identifier::key), so phone and ID numbers are not
-- stored in the clear. The "same user" rule: any shared identifier makes one resident.
CREATE TABLE residents (
    id                  INTEGER PRIMARY KEY,
    created_at          INTEGER NOT NULL,
    real_name_verified  INTEGER NOT NULL DEFAULT 0,
    enterprise          INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE identifiers (
    key       TEXT PRIMARY KEY NOT NULL,
    resident  INTEGER NOT NULL REFERENCES residents (id)
) STRICT;
CREATE INDEX identifiers_by_resident ON identifiers (resident);

-- Allowlists (e.g. the housing fair's buyers), by identifier key.
CREATE TABLE allowlist_entries (
    list            TEXT NOT NULL,
    identifier_key  TEXT NOT NULL,
    PRIMARY KEY (list, identifier_key)
) STRICT;

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY NOT NULL,
    resident    INTEGER NOT NULL REFERENCES residents (id),
    expires_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE otp_codes (
    phone       TEXT PRIMARY KEY NOT NULL,
    code_hash   TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0
) STRICT;

-- One row per offer and release: its stock and how much of it is claimed. Rolled-over money
-- that did not make a whole unit is carried in carried_fen.
CREATE TABLE releases (
    campaign     TEXT NOT NULL,
    offer        TEXT NOT NULL,
    opens_at     INTEGER NOT NULL,
    round        INTEGER NOT NULL,
    stock        INTEGER NOT NULL CHECK (stock >= 0),
    claimed      INTEGER NOT NULL DEFAULT 0 CHECK (claimed >= 0 AND claimed <= stock),
    carried_fen  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign, offer, opens_at)
) STRICT;

CREATE TABLE claims (
    id             INTEGER PRIMARY KEY,
    campaign       TEXT NOT NULL,
    offer          TEXT NOT NULL,
    round          INTEGER NOT NULL,
    release_opens  INTEGER NOT NULL,
    resident       INTEGER NOT NULL REFERENCES residents (id),
    claimed_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX claims_by_resident ON claims (resident, campaign);

CREATE TABLE vouchers (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    claim       INTEGER NOT NULL REFERENCES claims (id),
    campaign    TEXT NOT NULL,
    tier        TEXT NOT NULL,
    round       INTEGER NOT NULL,
    resident    INTEGER NOT NULL REFERENCES residents (id),
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    merchant    TEXT,
    order_id    TEXT
) STRICT;
CREATE INDEX vouchers_by_resident ON vouchers (resident, campaign);
CREATE INDEX vouchers_by_order ON vouchers (merchant, order_id);

-- The answer given to each Idempotency-Key, replayed for a retry.
CREATE TABLE idempotency (
    resident     INTEGER NOT NULL,
    key          TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    status       INTEGER NOT NULL,
    body         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (resident, key)
) STRICT;

-- Each voucher applied at a till, and what became of it on refund.
CREATE TABLE redemptions (
    id          INTEGER PRIMARY KEY,
    voucher     INTEGER NOT NULL REFERENCES vouchers (id),
    merchant    TEXT NOT NULL,
    order_id    TEXT NOT NULL,
    amount_off  INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    refund      TEXT
) STRICT;

CREATE TABLE merchants (
    campaign  TEXT NOT NULL,
    id        TEXT NOT NULL,
    category  TEXT NOT NULL,
    record    TEXT NOT NULL,
    PRIMARY KEY (campaign, id)
) STRICT;
