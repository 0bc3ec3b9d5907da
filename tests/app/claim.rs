//! The claim's state machine through every outcome, and the words each refusal gets. Run in
//! headless Chrome and Firefox.

use huiquan::{
    claim::{ClaimAnswer, ClaimPhase, after_answer, claim_words, refusal_words},
    i18n::messages,
    normalized_phone,
};
use huiquan_core::{
    Lang, Period, Refusal,
    api::{ClaimReceipt, IssuedVoucher, ProblemDetails},
    civil::{Instant, UtcOffset},
    retry::Backoff,
};
use wasm_bindgen_test::*;

fn plus_eight() -> UtcOffset {
    UtcOffset::from_minutes(480).expect("valid")
}

fn problem(status: u16, refusal: &Refusal) -> ClaimAnswer {
    // The service's body: the refusal's code and fields as RFC 9457 extension members.
    let mut details = ProblemDetails::new(status, refusal.code(), "refused", "for a log");
    if let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(refusal) {
        details.extensions = fields.into_iter().filter(|(name, _)| name != "code").collect();
    }
    ClaimAnswer::Problem { status, body: serde_json::to_string(&details).expect("json"), retry_after_s: None }
}

#[wasm_bindgen_test]
fn success_settles_with_the_vouchers() {
    let receipt = ClaimReceipt {
        claim_id: 7,
        campaign: "tianjin-2022-jinlegou".into(),
        offer: "retail-100-10".into(),
        round: "r1".into(),
        claimed_at_ms: 0,
        vouchers: vec![IssuedVoucher { id: 1, code: "ABCD-EFGH-JKMN-PQRS".into(), tier: "retail-100-10".into(), expires_at_ms: 1 }],
    };
    let phase = after_answer(0, ClaimAnswer::Claimed(receipt.clone()), &Backoff::default(), 0.5, 0.0);
    assert_eq!(phase, ClaimPhase::Claimed(receipt));
    assert!(phase.settled() && !phase.in_flight());
    assert_eq!(claim_words(messages(Lang::ZhHans), &phase, plus_eight(), 0.0, false), "领取成功！1 张消费券已放入你的券包。");
}

#[wasm_bindgen_test]
fn every_refusal_of_the_rules_is_read_back_and_said_plainly() {
    let at = Instant(1_661_650_200_000); // 2022-08-28 09:30 in Tianjin
    let cases = [
        (Refusal::UnknownOffer, 404, "没有这种消费券"),
        (Refusal::NotOpenYet { opens: at }, 409, "还没开始发放，08-28 09:30 开抢。"),
        (Refusal::RoundOver { next_round_opens: Some(at) }, 409, "下一轮 08-28 09:30 开始"),
        (Refusal::CampaignOver, 409, "活动已经结束"),
        (Refusal::SoldOut { next_release: Some(at) }, 409, "这一场已经抢完了，下次发放 08-28 09:30。"),
        (Refusal::SoldOut { next_release: None }, 409, "不再发放"),
        (Refusal::RealNameRequired, 403, "实名认证"),
        (Refusal::EnterpriseExcluded, 403, "企业账户"),
        (Refusal::NotOnAllowlist { list: "shenyang-housing-fair-2022".into() }, 403, "名单"),
        (Refusal::StoreRequired, 403, "门店扫码"),
        (Refusal::LocationRequired, 403, "确认我的位置"),
        (Refusal::OutsideArea, 403, "不在活动城市内"),
        (Refusal::LocationUncertain, 403, "离城市边界太近"),
        (Refusal::LocationInaccurate, 403, "定位不够精确"),
        (Refusal::AlreadyClaimed { period: Period::Day, again_at: Some(at) }, 409, "你今天已经领过这种消费券了。08-28 09:30 起可以再领。"),
        (Refusal::AlreadyClaimed { period: Period::Round, again_at: None }, 409, "本轮你已经领过"),
        (Refusal::AlreadyClaimed { period: Period::Campaign, again_at: None }, 409, "每人限领一次"),
        (Refusal::UsedBefore { period: Period::Campaign, again_at: None }, 409, "已经使用过这种消费券，按活动规则不能再领"),
        (Refusal::UsedBefore { period: Period::Day, again_at: Some(at) }, 409, "你今天已经用过这种消费券了。08-28 09:30 起可以再领。"),
    ];
    for (refusal, status, words) in cases {
        let phase = after_answer(0, problem(status, &refusal), &Backoff::default(), 0.5, 0.0);
        assert_eq!(phase, ClaimPhase::Refused(refusal.clone()), "{}", refusal.code());
        assert!(phase.settled(), "a refusal ends the attempt: a new tap is a new claim");
        let said = claim_words(messages(Lang::ZhHans), &phase, plus_eight(), 0.0, false);
        assert!(said.contains(words), "{}: {said}", refusal.code());
        let english = refusal_words(messages(Lang::En), &refusal, plus_eight(), Instant(0), false);
        assert!(!english.is_empty() && english.is_ascii(), "{}: {english}", refusal.code());
    }
}

#[wasm_bindgen_test]
fn elder_mode_says_the_technical_refusals_in_plainer_words() {
    let technical = [
        Refusal::LocationUncertain,
        Refusal::LocationInaccurate,
        Refusal::RealNameRequired,
        Refusal::EnterpriseExcluded,
        Refusal::NotOnAllowlist { list: "shenyang-housing-fair-2022".into() },
        Refusal::StoreRequired,
        Refusal::UsedBefore { period: Period::Campaign, again_at: None },
    ];
    // Words an older resident may not know: a border, precision, GPS, an enterprise account.
    let jargon = ["边界", "精确", "GPS", "企业", "活动规则", "boundary", "precise", "GPS", "Company accounts cannot take part"];
    for refusal in &technical {
        for lang in [Lang::ZhHans, Lang::En] {
            let usual = refusal_words(messages(lang), refusal, plus_eight(), Instant(0), false);
            let plain = refusal_words(messages(lang), refusal, plus_eight(), Instant(0), true);
            assert_ne!(usual, plain, "{}", refusal.code());
            assert!(!jargon.iter().any(|word| plain.contains(word)), "{}: {plain}", refusal.code());
        }
    }
    // A refusal that is plain already reads the same in both modes.
    let sold_out = Refusal::SoldOut { next_release: None };
    assert_eq!(
        refusal_words(messages(Lang::ZhHans), &sold_out, plus_eight(), Instant(0), true),
        refusal_words(messages(Lang::ZhHans), &sold_out, plus_eight(), Instant(0), false)
    );
}

#[wasm_bindgen_test]
fn a_voucher_used_today_is_claimed_again_tomorrow_in_those_words() {
    // Tianjin's retail vouchers are one use a day; the refusal once read "never again".
    let tomorrow_0930 = Instant(1_661_650_200_000); // 2022-08-28 09:30 in Tianjin
    let evening_before = Instant(1_661_650_200_000 - 12 * 3_600_000); // 08-27 21:30
    let refusal = Refusal::UsedBefore { period: Period::Day, again_at: Some(tomorrow_0930) };
    let said = refusal_words(messages(Lang::ZhHans), &refusal, plus_eight(), evening_before, false);
    assert_eq!(said, "你今天已经用过这种消费券了。明天 09:30 起可以再领。");
    let said = refusal_words(messages(Lang::En), &refusal, plus_eight(), evening_before, false);
    assert_eq!(said, "You have already used this voucher today. You can claim again from tomorrow 09:30.");
    // Two days ahead (between rounds) it names the date.
    let two_days_before = Instant(evening_before.0 - 86_400_000);
    assert!(refusal_words(messages(Lang::ZhHans), &refusal, plus_eight(), two_days_before, false).ends_with("08-28 09:30 起可以再领。"));
}

#[wasm_bindgen_test]
fn a_busy_service_is_retried_with_the_same_key_never_sooner_than_retry_after() {
    let backoff = Backoff::default();
    let busy = ClaimAnswer::Problem { status: 429, body: String::new(), retry_after_s: Some(3) };
    let phase = after_answer(0, busy, &backoff, 0.0, 1_000.0);
    assert_eq!(phase, ClaimPhase::Waiting { retry: 1, at_ms: 4_000.0, busy: true });
    assert!(phase.in_flight(), "no second tap while a retry is planned");
    assert_eq!(claim_words(messages(Lang::ZhHans), &phase, plus_eight(), 1_000.0, false), "系统繁忙，3 秒后自动重试（不会重复领取）");

    let unavailable = ClaimAnswer::Problem { status: 503, body: String::new(), retry_after_s: None };
    assert!(
        matches!(after_answer(2, unavailable, &backoff, 0.999, 0.0), ClaimPhase::Waiting { retry: 3, at_ms, busy: true } if at_ms <= 2_000.0)
    );
    let offline = after_answer(0, ClaimAnswer::Network, &backoff, 0.5, 0.0);
    assert!(matches!(offline, ClaimPhase::Waiting { busy: false, .. }));
    assert!(claim_words(messages(Lang::En), &offline, plus_eight(), 0.0, false).starts_with("No connection; trying again in"));

    // Retries run out: said plainly, the attempt settled.
    let exhausted = after_answer(backoff.max_retries, ClaimAnswer::Network, &backoff, 0.5, 0.0);
    assert_eq!(exhausted, ClaimPhase::Failed { code: "network".into() });
    assert!(exhausted.settled());
}

#[wasm_bindgen_test]
fn a_stopped_attempt_is_kept_and_other_problems_keep_their_code() {
    assert!(!ClaimPhase::Stopped.settled() && !ClaimPhase::Stopped.in_flight(), "stopped: the next tap resumes the same key");
    assert!(claim_words(messages(Lang::ZhHans), &ClaimPhase::Stopped, plus_eight(), 0.0, false).contains("不会重复领取"));
    let signed_out = ClaimAnswer::Problem {
        status: 401,
        body: serde_json::to_string(&ProblemDetails::new(401, "unauthenticated", "Sign in", "the session is unknown")).expect("json"),
        retry_after_s: None,
    };
    let phase = after_answer(0, signed_out, &Backoff::default(), 0.5, 0.0);
    assert_eq!(phase, ClaimPhase::Failed { code: "unauthenticated".into() });
    assert_eq!(claim_words(messages(Lang::ZhHans), &phase, plus_eight(), 0.0, false), "登录已失效，请重新登录后再领取。");
}

#[wasm_bindgen_test]
fn phone_numbers_are_read_as_residents_type_them() {
    assert_eq!(normalized_phone("138 0013 8000").as_deref(), Some("13800138000"));
    assert_eq!(normalized_phone("138-0013-8000").as_deref(), Some("13800138000"));
    assert_eq!(normalized_phone(" +86 138 0013 8000 ").as_deref(), Some("13800138000"), "as the service reads it");
    assert_eq!(normalized_phone("2380013800"), None);
    assert_eq!(normalized_phone("1380013800a"), None);
}

#[wasm_bindgen_test]
fn the_wallet_becomes_the_history_the_rules_read() {
    use huiquan::history::history_from_wallet;
    use huiquan_core::{Campaign, api::WalletClaim};
    let jincheng = Campaign::from_json(include_str!("../../data/campaigns/jincheng-2020-alipay.json")).expect("valid");
    let opens = jincheng.rounds[0].opens.to_instant(jincheng.utc_offset).0;
    let voucher = |tier: &str, used_at_ms: Option<i64>| WalletClaim {
        campaign: jincheng.id.clone(),
        tier: tier.into(),
        offer: "pack".into(),
        claimed_at_ms: opens + 60_000,
        used_at_ms,
    };
    let mut other = voucher("general-10", None);
    other.campaign = "tianjin-2022-jinlegou".into();
    let wallet = [voucher("general-10", Some(opens + 120_000)), voucher("fuel-10", None), other];
    let history = history_from_wallet(&jincheng, &wallet);
    assert_eq!(history.claims.len(), 1, "a pack's vouchers are one claim: {history:?}");
    assert_eq!((history.claims[0].round, history.claims[0].offer.as_str()), (0, "pack"));
    assert_eq!(history.uses.len(), 1);
    assert_eq!(history.uses[0].tier, "general-10");
}

#[wasm_bindgen_test]
fn a_store_code_is_read_as_typed_at_the_till() {
    use huiquan::claim::store_claim_code;
    assert_eq!(store_claim_code("sy-00008.K7QX2M9D").as_deref(), Some("sy-00008.K7QX2M9D"));
    assert_eq!(store_claim_code(" SY-00008.k7qx 2m9d ").as_deref(), Some("sy-00008.k7qx2m9d"), "spaces gone, the store in lower case");
    for not_a_code in ["", "sy-00008", "sy-00008.", ".K7QX2M9D", "门店.K7QX"] {
        assert_eq!(store_claim_code(not_a_code), None, "{not_a_code:?}");
    }
    // Regression: the app refused `a..` while the service reads it as store `a`, code `.`; both
    // now split with core's rule.
    assert_eq!(store_claim_code("A.."), Some("a..".to_owned()));
}
