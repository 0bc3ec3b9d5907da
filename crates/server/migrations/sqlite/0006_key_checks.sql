-- Every instance on one database must hold the same identity key and till secret: with another
-- identity key a returning resident's phone would not find their account, with another till
-- secret no till could sign in. Each secret's check value (an HMAC of a fixed text under it, which
-- does not reveal the secret) is stored by the first start; a start with a different one stops.
CREATE TABLE key_checks (
    name   TEXT PRIMARY KEY NOT NULL,
    check_value  TEXT NOT NULL
) STRICT;
