//! The wallet and voucher pages' words. They are drawn only on those pages, which are a wasm
//! module of their own in the size build (`routes::wallet_pages`), so their words live here, with
//! them, and the first visit carries none of them. Traditional Chinese is converted from the
//! Simplified as the page is drawn (`scripts/hant.py` reads this file too).

use huiquan_core::Lang;

use crate::i18n::count_of;

/// The wallet and voucher pages' sentences in one language.
pub struct WalletWords {
    /// The merchant map's text for screen readers: `count` merchants with a shop are drawn.
    pub merchants_map: fn(count: u32) -> String,
    pub wallet_title: &'static str,
    pub wallet_usable: &'static str,
    pub wallet_usable_when_synced: &'static str,
    pub wallet_used: &'static str,
    pub wallet_expired: &'static str,
    pub wallet_empty: &'static str,
    pub wallet_offline: fn(at: &str) -> String,
    pub wallet_synced: fn(at: &str) -> String,
    pub wallet_expires: fn(at: &str) -> String,
    pub wallet_expires_in: fn(hours: u32, minutes: u32) -> String,
    pub wallet_used_at: fn(at: &str) -> String,
    pub wallet_claimed_at: fn(at: &str) -> String,
    pub wallet_code: &'static str,
    pub rule_categories: fn(names: &str) -> String,
    pub rule_one_per_order: &'static str,
    pub rule_per_merchant_per_day: fn(count: u32) -> String,
    pub voucher_qr_label: fn(code: &str) -> String,
    pub voucher_details: &'static str,
    pub merchants_title: &'static str,
    pub merchants_search: &'static str,
    pub merchants_category: &'static str,
    pub merchants_all: &'static str,
    pub merchants_nearest: &'static str,
    pub merchants_found: fn(count: u32) -> String,
    pub merchants_more: &'static str,
}

const ZH_HANS: WalletWords = WalletWords {
    merchants_map: |count| format!("地图：绿点是你的位置，蓝点是下面列表中有门店的前 {count} 家商户，数字即列表序号。"),
    wallet_title: "我的券包",
    wallet_usable: "可以使用",
    wallet_usable_when_synced: "上次同步时可用（之后可能已在别处使用）",
    wallet_used: "已使用",
    wallet_expired: "已过期",
    wallet_empty: "券包是空的。领取的消费券会出现在这里。",
    wallet_offline: |at| format!("现在没有网络。以下是 {at} 同步的券包，其中的券可能已在别处使用。"),
    wallet_synced: |at| format!("同步于 {at}"),
    wallet_expires: |at| format!("有效期至 {at}（活动当地时间）"),
    wallet_expires_in: |hours, minutes| format!("还剩 {hours} 小时 {minutes} 分钟"),
    wallet_used_at: |at| format!("使用于 {at}"),
    wallet_claimed_at: |at| format!("领取于 {at}"),
    wallet_code: "券码（结账时出示）",
    rule_categories: |names| format!("可在这些商户使用：{names}"),
    rule_one_per_order: "每笔订单限用一张。",
    rule_per_merchant_per_day: |count| format!("同一商户每天限用 {count} 张。"),
    voucher_qr_label: |code| format!("券码 {code} 的二维码"),
    voucher_details: "使用规则和商户",
    merchants_title: "可以使用的商户",
    merchants_search: "按名称或地址搜索",
    merchants_category: "商户类别",
    merchants_all: "全部类别",
    merchants_nearest: "离我最近的排前面",
    merchants_found: |count| format!("共 {count} 家商户"),
    merchants_more: "显示更多商户",
};

const EN: WalletWords = WalletWords {
    merchants_map: |count| {
        format!(
            "Map: the green dot is you; the blue dots are the first {} with a shop in the list below, numbered as in the list.",
            count_of(count, "merchant", "merchants")
        )
    },
    wallet_title: "My vouchers",
    wallet_usable: "Ready to use",
    wallet_usable_when_synced: "Usable when last synced (may have been used elsewhere since)",
    wallet_used: "Used",
    wallet_expired: "Expired",
    wallet_empty: "Your wallet is empty. Vouchers you claim will appear here.",
    wallet_offline: |at| format!("You are offline. This is your wallet as synced at {at}; a voucher may have been used elsewhere since."),
    wallet_synced: |at| format!("Synced at {at}"),
    wallet_expires: |at| format!("Valid until {at} (local time of the campaign)"),
    wallet_expires_in: |hours, minutes| format!("{hours} h {minutes} min left"),
    wallet_used_at: |at| format!("Used at {at}"),
    wallet_claimed_at: |at| format!("Claimed at {at}"),
    wallet_code: "Code (show it at the till)",
    rule_categories: |names| format!("Accepted at: {names}"),
    rule_one_per_order: "One voucher per order.",
    rule_per_merchant_per_day: |count| format!("At most {count} per merchant per day."),
    voucher_qr_label: |code| format!("QR code of voucher {code}"),
    voucher_details: "Rules and merchants",
    merchants_title: "Where to use it",
    merchants_search: "Search by name or address",
    merchants_category: "Kind of shop",
    merchants_all: "All kinds",
    merchants_nearest: "Nearest first",
    merchants_found: |count| count_of(count, "merchant", "merchants"),
    merchants_more: "Show more merchants",
};

/// The wallet and voucher pages' words in `lang` (Traditional Chinese reads the Simplified).
pub fn wallet_words(lang: Lang) -> &'static WalletWords {
    match lang {
        Lang::En => &EN,
        _ => &ZH_HANS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn one_merchant_is_singular() {
        assert_eq!((EN.merchants_found)(1), "1 merchant");
        assert_eq!((EN.merchants_found)(3), "3 merchants");
        assert!((EN.merchants_map)(1).contains("the first 1 merchant with a shop"));
    }
}
