//! Using a voucher at the till, and what a refund does to it.

use serde::{Deserialize, Serialize};

use crate::{Campaign, Fen, Scope, ThresholdBasis, civil::Instant};

/// An order as the till presents it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Order {
    /// The merchant's category (an id of [`Campaign::categories`]).
    pub merchant_category: String,
    /// The order's total before vouchers, in fen.
    pub total: Fen,
    /// The order's lines; needed for single-item thresholds and product-category vouchers.
    #[serde(default)]
    pub items: Vec<OrderItem>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderItem {
    /// In fen, 0 to [`crate::api::ORDER_AMOUNT_MAX`].
    #[cfg_attr(feature = "openapi", schema(value_type = i64, minimum = 0, maximum = 1_000_000_000_000_i64))]
    pub amount: Fen,
    /// A product category id such as `gas-stove-flame-out`, when the till knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub product_category: Option<String>,
}

/// The voucher being redeemed, as the service holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeldVoucher<'a> {
    pub tier: &'a str,
    pub expires: Instant,
    pub used: bool,
}

/// What the resident has already done that the till rules count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TillContext {
    /// Vouchers already applied to this order.
    pub vouchers_on_order: u32,
    /// Vouchers this resident has used at this merchant today (campaign's day).
    pub used_here_today: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum RedeemRefusal {
    #[error("the campaign has no such voucher kind")]
    UnknownTier,
    #[error("the voucher has expired")]
    Expired { expired_at: Instant },
    #[error("the voucher has been used")]
    AlreadyUsed,
    #[error("this merchant does not take this voucher")]
    NotAccepted,
    #[error("the order does not reach the voucher's threshold")]
    ThresholdNotMet { threshold: Fen, basis: ThresholdBasis },
    #[error("one voucher per order")]
    OneVoucherPerOrder,
    #[error("the daily limit of vouchers at this merchant is reached")]
    MerchantDailyLimit,
}

impl RedeemRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            RedeemRefusal::UnknownTier => "unknown_tier",
            RedeemRefusal::Expired { .. } => "voucher_expired",
            RedeemRefusal::AlreadyUsed => "voucher_used",
            RedeemRefusal::NotAccepted => "not_accepted_here",
            RedeemRefusal::ThresholdNotMet { .. } => "threshold_not_met",
            RedeemRefusal::OneVoucherPerOrder => "one_voucher_per_order",
            RedeemRefusal::MerchantDailyLimit => "merchant_daily_limit",
        }
    }
}

/// What the till is asked to do with a refund.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RefundKind {
    /// The whole order is refunded.
    Full,
    /// Part of the order, a split order, or a cancelled transaction.
    Partial,
}

/// What becomes of a voucher whose order is refunded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RefundOutcome {
    /// Usable again until its original expiry.
    Restored,
    /// Counts as used.
    CountsAsUsed,
}

/// Liaocheng: "在有效期内使用的订单发生全额退款时，可再次使用，退款后的消费券有效期不变；如超出有效期
/// 或有效期内拆单退款、部分退款及撤销交易等，视为消费券已使用".
pub fn refund_outcome(kind: RefundKind, expires: Instant, now: Instant) -> RefundOutcome {
    match kind {
        RefundKind::Full if now < expires => RefundOutcome::Restored,
        _ => RefundOutcome::CountsAsUsed,
    }
}

impl Campaign {
    /// Checks a voucher against an order and returns the amount taken off.
    pub fn redeem(&self, voucher: HeldVoucher<'_>, order: &Order, context: TillContext, now: Instant) -> Result<Fen, RedeemRefusal> {
        let (theme, tier) = self.tier(voucher.tier).ok_or(RedeemRefusal::UnknownTier)?;
        if voucher.used {
            return Err(RedeemRefusal::AlreadyUsed);
        }
        if now >= voucher.expires {
            return Err(RedeemRefusal::Expired { expired_at: voucher.expires });
        }
        let categories = self.accepting_categories(theme, tier);
        if !categories.is_empty() && !categories.contains(&order.merchant_category) {
            return Err(RedeemRefusal::NotAccepted);
        }
        if self.redemption.one_voucher_per_order && context.vouchers_on_order > 0 {
            return Err(RedeemRefusal::OneVoucherPerOrder);
        }
        if self.redemption.per_merchant_per_day.is_some_and(|limit| context.used_here_today >= limit) {
            return Err(RedeemRefusal::MerchantDailyLimit);
        }
        // The part of the order the voucher may apply to.
        let in_scope: Vec<Fen> = match &tier.scope {
            Scope::ProductCategory { id, .. } => {
                order.items.iter().filter(|item| item.product_category.as_deref() == Some(id.as_str())).map(|item| item.amount).collect()
            }
            Scope::Theme | Scope::MerchantCategories { .. } => match tier.basis {
                ThresholdBasis::OrderTotal => vec![order.total],
                ThresholdBasis::SingleItem => order.items.iter().map(|item| item.amount).collect(),
            },
        };
        let base = match tier.basis {
            ThresholdBasis::OrderTotal => Fen(in_scope.iter().map(|amount| amount.0.max(0)).sum::<i64>().min(order.total.0)),
            ThresholdBasis::SingleItem => in_scope.iter().copied().max().unwrap_or(Fen::ZERO),
        };
        if base < tier.threshold || base <= Fen::ZERO {
            return Err(RedeemRefusal::ThresholdNotMet { threshold: tier.threshold, basis: tier.basis });
        }
        // A voucher is never cash: it takes off at most what it applies to.
        Ok(Fen(tier.discount.0.min(base.0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{JINCHENG, LIAOCHENG, TIANJIN, at, load};

    fn order(category: &str, total: i64, items: &[(i64, Option<&str>)]) -> Order {
        Order {
            merchant_category: category.into(),
            total: Fen::from_yuan(total),
            items: items
                .iter()
                .map(|(yuan, product)| OrderItem { amount: Fen::from_yuan(*yuan), product_category: product.map(str::to_owned) })
                .collect(),
        }
    }
    fn fresh(tier: &str, expires: &str) -> HeldVoucher<'static> {
        let tier: &'static str = Box::leak(tier.to_owned().into_boxed_str());
        HeldVoucher { tier, expires: at(expires), used: false }
    }

    #[test]
    fn liaocheng_thresholds_are_for_a_single_item() {
        let campaign = load(LIAOCHENG);
        let voucher = fresh("single-2000-300", "2024-02-02T00:00");
        let now = at("2024-01-28T12:00");
        // Two 1,500-yuan items make 3,000 yuan, but no single item reaches 2,000.
        assert_eq!(
            campaign.redeem(voucher, &order("appliances", 3000, &[(1500, None), (1500, None)]), TillContext::default(), now),
            Err(RedeemRefusal::ThresholdNotMet { threshold: Fen::from_yuan(2000), basis: ThresholdBasis::SingleItem })
        );
        assert_eq!(
            campaign.redeem(voucher, &order("appliances", 2600, &[(2500, None), (100, None)]), TillContext::default(), now),
            Ok(Fen::from_yuan(300))
        );
        // One voucher per order.
        let second = TillContext { vouchers_on_order: 1, used_here_today: 0 };
        assert_eq!(
            campaign.redeem(voucher, &order("appliances", 9000, &[(9000, None)]), second, now),
            Err(RedeemRefusal::OneVoucherPerOrder)
        );
    }

    #[test]
    fn expired_or_used_vouchers_are_refused() {
        let campaign = load(LIAOCHENG);
        let voucher = fresh("single-2000-300", "2024-02-02T00:00");
        let big = order("appliances", 3000, &[(3000, None)]);
        assert_eq!(
            campaign.redeem(voucher, &big, TillContext::default(), at("2024-02-02T00:00")),
            Err(RedeemRefusal::Expired { expired_at: at("2024-02-02T00:00") })
        );
        let used = HeldVoucher { used: true, ..voucher };
        assert_eq!(campaign.redeem(used, &big, TillContext::default(), at("2024-01-30T00:00")), Err(RedeemRefusal::AlreadyUsed));
    }

    #[test]
    fn jincheng_scopes_and_one_voucher_per_merchant_per_day() {
        let campaign = load(JINCHENG);
        let now = at("2020-04-23T12:00");
        let fuel = fresh("fuel-10", "2020-04-29T00:00");
        let general = fresh("general-10", "2020-04-29T00:00");
        assert_eq!(campaign.redeem(fuel, &order("dining", 80, &[]), TillContext::default(), now), Err(RedeemRefusal::NotAccepted));
        assert_eq!(campaign.redeem(fuel, &order("fuel", 200, &[]), TillContext::default(), now), Ok(Fen::from_yuan(10)));
        assert_eq!(campaign.redeem(general, &order("fuel", 200, &[]), TillContext::default(), now), Ok(Fen::from_yuan(10)));
        // No threshold, but never cash: 6 yuan of bread takes 6 yuan off, not 10.
        assert_eq!(campaign.redeem(general, &order("general", 6, &[]), TillContext::default(), now), Ok(Fen::from_yuan(6)));
        let again = TillContext { vouchers_on_order: 0, used_here_today: 1 };
        assert_eq!(campaign.redeem(general, &order("general", 60, &[]), again, now), Err(RedeemRefusal::MerchantDailyLimit));
    }

    #[test]
    fn tianjin_gas_stove_voucher_needs_a_gas_stove() {
        let campaign = load(TIANJIN);
        let voucher = fresh("appliances-gas-stove-400-100", "2022-08-22T00:00");
        let now = at("2022-08-21T12:00");
        assert!(matches!(
            campaign.redeem(voucher, &order("appliances-jd-self", 3000, &[(3000, Some("fridge"))]), TillContext::default(), now),
            Err(RedeemRefusal::ThresholdNotMet { .. })
        ));
        assert_eq!(
            campaign.redeem(
                voucher,
                &order("appliances-jd-self", 3500, &[(3000, Some("fridge")), (500, Some("gas-stove-flame-out"))]),
                TillContext::default(),
                now
            ),
            Ok(Fen::from_yuan(100))
        );
        assert_eq!(
            campaign.redeem(voucher, &order("retail", 3500, &[(500, Some("gas-stove-flame-out"))]), TillContext::default(), now),
            Err(RedeemRefusal::NotAccepted)
        );
    }

    #[test]
    fn tianjin_vouchers_are_used_on_jd_and_the_gas_stove_one_only_self_operated() {
        // 燃气灶专用消费券可在京东APP内购买…京东自营指定实物类商品: JD Hourly Delivery takes the
        // general appliance vouchers, not the gas-stove one. The list once had 3,000 invented shops.
        let campaign = load(TIANJIN);
        let now = at("2022-08-21T12:00");
        let stove = &order("appliances", 3500, &[(500, Some("gas-stove-flame-out"))]);
        let gas_stove = fresh("appliances-gas-stove-400-100", "2022-08-22T00:00");
        assert_eq!(campaign.redeem(gas_stove, stove, TillContext::default(), now), Err(RedeemRefusal::NotAccepted));
        let general = fresh("appliances-300-30", "2022-08-22T00:00");
        assert_eq!(campaign.redeem(general, stove, TillContext::default(), now), Ok(Fen::from_yuan(30)));
        let (theme, tier) = campaign.tier("appliances-2000-200").expect("a tier");
        assert_eq!(campaign.accepting_categories(theme, tier), ["appliances-jd-self", "appliances"]);
        for category in &campaign.categories {
            assert!(category.name.zh_hans.contains("京东"), "every place is JD's: {}", category.name.zh_hans);
        }
    }

    #[test]
    fn a_full_refund_in_time_restores_anything_else_counts_as_used() {
        let expires = at("2024-02-02T00:00");
        assert_eq!(refund_outcome(RefundKind::Full, expires, at("2024-02-01T23:59")), RefundOutcome::Restored);
        assert_eq!(refund_outcome(RefundKind::Full, expires, expires), RefundOutcome::CountsAsUsed);
        assert_eq!(refund_outcome(RefundKind::Partial, expires, at("2024-01-30T10:00")), RefundOutcome::CountsAsUsed);
    }
}
