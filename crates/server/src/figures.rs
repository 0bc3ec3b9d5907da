//! A campaign's open figures, counted from the records and kept for a few seconds.
//!
//! The figures are public and read by anyone, so a crowd must not turn into a crowd of counting
//! queries: each campaign's figures are counted at most once per [`FRESH_FOR`], by the first
//! reader; readers meanwhile wait for that count and share it. Counting scans the campaign's
//! vouchers (about 2.9 s for a million on SQLite, measured on this 2-core machine), so a big
//! campaign's figures are kept longer: ten times as long as they took to count
//! ([`fresh_for`]), so counting never takes more than a tenth of one core. What counts as what is core's
//! (`huiquan_core::figures`); this module only asks the database, grouped by the campaign's day.

use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant as Monotonic},
};

use huiquan_core::{
    Campaign, Fen,
    civil::Instant,
    figures::{CampaignFigures, DayCount, Event, ReleaseFigures, Spending},
};

use crate::{
    catalog::Catalog,
    store::{Store, on_pool},
};

/// How long counted figures are served at least before they are counted again.
pub const FRESH_FOR: Duration = Duration::from_secs(10);
/// The longest they are kept, however long counting took.
pub const FRESH_FOR_AT_MOST: Duration = Duration::from_secs(300);

/// How long figures that took `took` to count are served (and the `max-age` they are sent with).
pub fn fresh_for(took: Duration) -> Duration {
    took.saturating_mul(10).clamp(FRESH_FOR, FRESH_FOR_AT_MOST)
}

/// Figures counted at an instant, with their JSON as sent.
pub struct Counted {
    pub figures: CampaignFigures,
    pub json: String,
    counted_at: Monotonic,
    /// How long they are served.
    pub fresh_for: Duration,
}

/// One cache slot per campaign of the catalogue; a slot's lock is held while it is counted.
pub struct FiguresCache {
    slots: HashMap<String, tokio::sync::Mutex<Option<Arc<Counted>>>>,
}

impl Counted {
    /// `Cache-Control` for these figures: public, for as long as they are served.
    pub fn cache_control(&self) -> axum::http::HeaderValue {
        axum::http::HeaderValue::from_str(&format!("public, max-age={}", self.fresh_for.as_secs()))
            .unwrap_or(axum::http::HeaderValue::from_static("no-cache"))
    }
}

impl FiguresCache {
    pub fn new(catalog: &Catalog) -> FiguresCache {
        FiguresCache { slots: catalog.iter().map(|campaign| (campaign.id.clone(), tokio::sync::Mutex::new(None))).collect() }
    }

    /// The campaign's figures, counted now if those kept are older than [`FRESH_FOR`]; `None`
    /// for a campaign not in the catalogue.
    pub async fn get(&self, store: &Store, campaign: &Campaign, now: Instant) -> Option<Result<Arc<Counted>, sqlx::Error>> {
        let slot = self.slots.get(&campaign.id)?;
        let mut kept = slot.lock().await;
        if let Some(counted) = kept.as_ref().filter(|counted| counted.counted_at.elapsed() < counted.fresh_for) {
            return Some(Ok(Arc::clone(counted)));
        }
        let started = Monotonic::now();
        let mut figures = match count(store, campaign, now).await {
            Ok(figures) => figures,
            Err(error) => return Some(Err(error)),
        };
        let fresh_for = fresh_for(started.elapsed());
        figures.fresh_for_s = u32::try_from(fresh_for.as_secs()).unwrap_or(u32::MAX);
        let json = serde_json::to_string(&figures).unwrap_or_default();
        let counted = Arc::new(Counted { figures, json, counted_at: Monotonic::now(), fresh_for });
        *kept = Some(Arc::clone(&counted));
        Some(Ok(counted))
    }
}

/// Vouchers of a tier that something happened to on a day, as counted.
#[derive(sqlx_macros::FromRow)]
struct DayCountRow {
    tier: String,
    day: i64,
    count: i64,
}

#[derive(sqlx_macros::FromRow)]
struct SpendingRow {
    orders: i64,
    spent: i64,
    subsidy: i64,
}

#[derive(sqlx_macros::FromRow)]
struct ReleaseRow {
    offer: String,
    round: i64,
    opens_at: i64,
    stock: i64,
    claimed: i64,
    sold_out_at: Option<i64>,
}

/// What each kind of count asks: tier, the campaign's day (`$2` is its offset in ms) and a count,
/// for campaign `$1`, up to now (`$3`).
const DAY_COUNTS: [(Event, &str); 4] = [
    (
        Event::Claimed,
        "SELECT v.tier AS tier, (c.claimed_at + $2) / 86400000 AS day, COUNT(*) AS count
         FROM vouchers v JOIN claims c ON c.id = v.claim WHERE v.campaign = $1 AND c.claimed_at <= $3 GROUP BY 1, 2",
    ),
    (
        Event::Used,
        "SELECT tier, (used_at + $2) / 86400000 AS day, COUNT(*) AS count
         FROM vouchers WHERE campaign = $1 AND used_at <= $3 GROUP BY 1, 2",
    ),
    // A voucher valid until 24:00 expires at the next midnight: counted on its last day.
    (
        Event::Expired,
        "SELECT tier, (expires_at - 1 + $2) / 86400000 AS day, COUNT(*) AS count
         FROM vouchers WHERE campaign = $1 AND used_at IS NULL AND expires_at <= $3 GROUP BY 1, 2",
    ),
    (
        Event::Refunded,
        "SELECT v.tier AS tier, (r.refunded_at + $2) / 86400000 AS day, COUNT(*) AS count
         FROM redemptions r JOIN vouchers v ON v.id = r.voucher
         WHERE v.campaign = $1 AND r.refunded_at <= $3 GROUP BY 1, 2",
    ),
];

/// Counts the campaign's records at `now`.
async fn count(store: &Store, campaign: &Campaign, now: Instant) -> Result<CampaignFigures, sqlx::Error> {
    let mut counted = Vec::new();
    for (event, query) in DAY_COUNTS {
        let rows: Vec<DayCountRow> = on_pool!(store, pool => sqlx::query_as(query)
            .bind(&campaign.id)
            .bind(campaign.offset_ms())
            .bind(now.0)
            .fetch_all(pool)
            .await)?;
        counted.extend(rows.into_iter().map(|row| DayCount {
            event,
            tier: row.tier,
            day: row.day,
            count: u64::try_from(row.count).unwrap_or(0),
        }));
    }
    // Each order once (several vouchers may share one), refunded orders and orders redeemed
    // before totals were kept left out.
    let spending: SpendingRow = on_pool!(store, pool => sqlx::query_as(
        "SELECT COUNT(*) AS orders, CAST(COALESCE(SUM(total), 0) AS BIGINT) AS spent, CAST(COALESCE(SUM(taken_off), 0) AS BIGINT) AS subsidy
         FROM (SELECT MAX(r.order_total) AS total, SUM(r.amount_off) AS taken_off
               FROM redemptions r JOIN vouchers v ON v.id = r.voucher
               WHERE v.campaign = $1 AND r.refund IS NULL AND r.order_total IS NOT NULL
               GROUP BY r.merchant, r.order_id) orders",
    )
    .bind(&campaign.id)
    .fetch_one(pool)
    .await)?;
    let releases: Vec<ReleaseRow> = on_pool!(store, pool => sqlx::query_as(
        "SELECT offer, round, opens_at, stock, claimed, sold_out_at FROM releases
         WHERE campaign = $1 AND opens_at <= $2 ORDER BY opens_at, offer",
    )
    .bind(&campaign.id)
    .bind(now.0)
    .fetch_all(pool)
    .await)?;
    let releases = releases
        .into_iter()
        .map(|row| ReleaseFigures {
            offer: row.offer,
            round: u32::try_from(row.round).unwrap_or(0),
            opens_at_ms: row.opens_at,
            stock: u32::try_from(row.stock).unwrap_or(0),
            claimed: u32::try_from(row.claimed).unwrap_or(0),
            sold_out_at_ms: row.sold_out_at,
        })
        .collect();
    let spending =
        Spending { orders: u64::try_from(spending.orders).unwrap_or(0), spent: Fen(spending.spent), subsidy: Fen(spending.subsidy) };
    Ok(campaign.figures(now, &counted, spending, releases))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_slow_to_count_are_kept_ten_times_as_long_within_limits() {
        assert_eq!(fresh_for(Duration::from_millis(30)), FRESH_FOR);
        assert_eq!(fresh_for(Duration::from_millis(2_900)), Duration::from_secs(29));
        assert_eq!(fresh_for(Duration::from_secs(90)), FRESH_FOR_AT_MOST);
    }
}
