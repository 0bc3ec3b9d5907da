-- The open figures (公开透明页) report the money spent at merchants against the subsidy, and
-- refunds by the day they happened: each redemption keeps its order's total and its refund's time.
-- Redemptions from before have neither (NULL): their orders are not in the spending figures.
ALTER TABLE redemptions ADD COLUMN order_total INTEGER;
ALTER TABLE redemptions ADD COLUMN refunded_at INTEGER;
