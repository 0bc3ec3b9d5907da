-- When a release's last unit was claimed, so the app can say "sold out at 10:00:07".
ALTER TABLE releases ADD COLUMN sold_out_at INTEGER;
