//! The wallet: its groups, the exact expiry on the campaign's clock, the countdown in a voucher's
//! last day, and the kept copy shown offline. Run in headless Chrome and Firefox.

use huiquan::{
    WalletView, expiry_countdown,
    i18n::{I18nProvider, campaign_deadline, messages},
    wallet::{Group, KeptWallet, group_of},
};
use huiquan_core::{
    Campaign, Fen, Lang,
    api::{VoucherStatus, WalletVoucher},
    civil::{Instant, UtcOffset},
};
use leptos::prelude::*;
use wasm_bindgen_test::*;

const HOUR_MS: i64 = 3_600_000;

fn voucher(id: i64, status: VoucherStatus, expires_at_ms: i64, used_at_ms: Option<i64>) -> WalletVoucher {
    WalletVoucher {
        id,
        code: format!("ABCD-EFGH-JKMN-PQ{id:02}"),
        campaign: "tianjin-2022-jinlegou".into(),
        tier: "retail-100-10".into(),
        offer: "retail-100-10".into(),
        threshold: Fen(10_000),
        discount: Fen(1_000),
        claimed_at_ms: expires_at_ms - 10 * HOUR_MS,
        expires_at_ms,
        status,
        used_at_ms,
        accepted_categories: vec!["retail".into()],
    }
}

#[wasm_bindgen_test]
fn a_kept_wallet_never_calls_an_unused_voucher_certainly_usable() {
    let now = 1_700_000_000_000;
    let unused = voucher(1, VoucherStatus::Unused, now + HOUR_MS, None);
    assert_eq!(group_of(&unused, now, true), Group::Usable);
    assert_eq!(group_of(&unused, now, false), Group::UsableWhenSynced, "offline: maybe used elsewhere since");
    assert_eq!(group_of(&unused, now + 2 * HOUR_MS, true), Group::Expired, "expiry passes offline too");
    assert_eq!(group_of(&voucher(2, VoucherStatus::Used, now + HOUR_MS, Some(now)), now, false), Group::Used);
    assert_eq!(group_of(&voucher(3, VoucherStatus::Expired, now - HOUR_MS, None), now, true), Group::Expired);
}

#[wasm_bindgen_test]
fn expiry_is_said_as_notices_say_it_and_counted_down_in_the_last_day() {
    let plus_eight = UtcOffset::from_minutes(480).expect("valid");
    // 2022-08-29 00:00 in Tianjin is "08-28 24:00", the end of the claim day.
    assert_eq!(campaign_deadline(Instant(1_661_702_400_000), plus_eight), "08-28 24:00");
    assert_eq!(campaign_deadline(Instant(1_661_702_400_000 + 9 * HOUR_MS + 1_800_000), plus_eight), "08-29 09:30");
    let t = huiquan::wallet_words(Lang::ZhHans);
    assert_eq!(expiry_countdown(t, 5 * HOUR_MS + 12 * 60_000, 0).as_deref(), Some("还剩 5 小时 12 分钟"));
    assert_eq!(expiry_countdown(t, 25 * HOUR_MS, 0), None, "no countdown before its last day");
    assert_eq!(expiry_countdown(t, 0, 1), None, "none once expired");
}

#[wasm_bindgen_test]
async fn offline_the_kept_wallet_shows_when_it_was_synced_and_its_groups() {
    let now = js_sys::Date::now() as i64;
    let wallet = KeptWallet::new(
        1,
        vec![
            voucher(1, VoucherStatus::Unused, now + 3 * HOUR_MS, None),
            voucher(2, VoucherStatus::Used, now + 3 * HOUR_MS, Some(now - HOUR_MS)),
            voucher(3, VoucherStatus::Unused, now - HOUR_MS, None),
        ],
        now - 2 * HOUR_MS,
        vec![include_str!("../../data/campaigns/tianjin-2022-jinlegou.json").to_owned()],
    );
    assert_eq!(wallet.campaigns.len(), 1, "the kept campaign is read back");
    let container =
        crate::support::mount(move || view! { <I18nProvider lang=Lang::ZhHans><WalletView shown=wallet fresh=false /></I18nProvider> })
            .await;
    let text = container.text_content().unwrap_or_default();
    assert!(text.contains("现在没有网络。以下是 "), "{text}");
    let group = |name: &str| container.query_selector(&format!("[data-group={name}] [data-voucher]")).ok().flatten().is_some();
    assert!(group("UsableWhenSynced") && group("Used") && group("Expired"), "{text}");
    assert!(!group("Usable"), "nothing certainly usable offline");
    assert!(text.contains("满100元减10元") && text.contains("津乐购消费券"), "{text}");
    assert!(text.contains("还剩 3 小时 0 分钟") || text.contains("还剩 2 小时 59 分钟"), "{text}");
    assert!(text.contains("ABCD-EFGH-JKMN-PQ01"), "{text}");
    assert!(text.contains("领取于 "), "when each was claimed: {text}");
}

#[wasm_bindgen_test]
fn a_vouchers_rules_are_said_plainly_and_its_code_is_a_qr_code() {
    use huiquan::{qr_svg, rule_words};
    let jincheng = Campaign::from_json(include_str!("../../data/campaigns/jincheng-2020-alipay.json")).expect("valid");
    let mut fuel = voucher(7, VoucherStatus::Unused, 1_600_000_000_000, None);
    fuel.campaign = jincheng.id.clone();
    fuel.tier = "fuel-10".into();
    fuel.threshold = Fen(0);
    fuel.accepted_categories = vec!["fuel".into()];
    let rules = rule_words(messages(Lang::ZhHans), &fuel, &jincheng, Lang::ZhHans).join(" | ");
    assert!(rules.contains("10元（无门槛）"), "{rules}");
    assert!(rules.contains("可在这些商户使用："), "{rules}");
    assert!(rules.contains("同一商户每天限用 1 张。"), "{rules}");
    assert!(rules.contains("有效期至"), "{rules}");
    let svg = qr_svg("ABCD-EFGH-JKMN-PQRS").expect("a QR code");
    assert!(svg.contains("<svg") && svg.contains("<path"), "{}", &svg[..svg.len().min(200)]);
}

#[wasm_bindgen_test]
fn a_merchant_search_asks_for_exactly_what_the_resident_chose() {
    use huiquan::api::merchants_path;
    assert_eq!(
        merchants_path("tianjin-2022-jinlegou", "retail-100-10", "", "", None, 20),
        "api/v1/campaigns/tianjin-2022-jinlegou/merchants?tier=retail-100-10&limit=20"
    );
    // Words are trimmed and encoded (a resident types Chinese, spaces, even "&"); a position is
    // sent to the micro-degree.
    assert_eq!(
        merchants_path("tianjin-2022-jinlegou", "retail-100-10", " 和平区 A&B ", "retail", Some((39.1234567, 117.2)), 40),
        "api/v1/campaigns/tianjin-2022-jinlegou/merchants?tier=retail-100-10&limit=40&q=%E5%92%8C%E5%B9%B3%E5%8C%BA%20A%26B&category=retail&near=39.123457,117.200000"
    );
}
