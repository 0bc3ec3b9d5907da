-- 代领: a carer claims and shows vouchers for a relative, who confirmed once with the code sent to
-- their phone. Either side ends it by deleting the row. `hint` is the relative's phone with its
-- middle hidden (the service keeps phones only as digests otherwise).
CREATE TABLE proxy_links (
    carer      INTEGER NOT NULL REFERENCES residents (id),
    relative   INTEGER NOT NULL REFERENCES residents (id),
    hint       TEXT NOT NULL,
    linked_at  INTEGER NOT NULL,
    PRIMARY KEY (carer, relative)
) STRICT;
CREATE INDEX proxy_links_by_relative ON proxy_links (relative);
