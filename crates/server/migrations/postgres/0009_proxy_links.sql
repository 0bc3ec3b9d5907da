-- 代领: a carer claims and shows vouchers for a relative, who confirmed once with the code sent to
-- their phone. Either side ends it by deleting the row. `hint` is the relative's phone with its
-- middle hidden (the service keeps phones only as digests otherwise).
CREATE TABLE proxy_links (
    carer      BIGINT NOT NULL REFERENCES residents (id),
    relative   BIGINT NOT NULL REFERENCES residents (id),
    hint       TEXT NOT NULL,
    linked_at  BIGINT NOT NULL,
    PRIMARY KEY (carer, relative)
);
CREATE INDEX proxy_links_by_relative ON proxy_links (relative);
