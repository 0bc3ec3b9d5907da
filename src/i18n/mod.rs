//! Every sentence the app shows, in Simplified Chinese (first) and English.
//!
//! A catalogue is a `Messages` value per language: the compiler refuses a language that lacks a
//! sentence, and sentences with values in them are functions, so a missing or misnamed value is
//! a compile error too. The language is chosen from the resident's stored choice, else the
//! browser's languages, else Simplified Chinese; a switch is remembered on the device.

mod en;
mod negotiate;
mod zh_hans;

pub(crate) use en::count_of;

use huiquan_core::Lang;
use leptos::prelude::*;

pub use negotiate::negotiate;

/// The app's sentences in one language.
pub struct Messages {
    pub app_name: &'static str,
    pub skip_to_content: &'static str,
    pub loading: &'static str,
    /// The language choice's name, in this language and the other (a resident who cannot read
    /// one finds the other).
    pub switch_language_label: &'static str,
    /// The elder-mode switch (长辈模式): larger text and buttons, plainer words.
    pub elder_mode: &'static str,
    /// Inside a host app: the back button, and the foot of the page naming the host.
    pub back: &'static str,
    pub opened_in: fn(host: &str) -> String,
    pub host_alipay: &'static str,
    pub host_wechat: &'static str,
    /// WeChat's own browser (an official account's page, a link opened in a chat).
    pub host_wechat_browser: &'static str,
    /// UnionPay's app.
    pub host_unionpay: &'static str,
    pub host_app: &'static str,
    pub host_web: &'static str,
    pub campaigns_title: &'static str,
    pub no_campaigns: &'static str,
    pub campaign_channel: fn(channel: &str) -> String,
    pub campaign_rounds: &'static str,
    pub round_window: fn(opens: &str, closes: &str) -> String,
    pub release_daily: fn(at: &str) -> String,
    pub release_daily_first_day: fn(first: &str, at: &str) -> String,
    pub release_once: &'static str,
    pub times_in_zone: fn(city: &str, zone: &str) -> String,
    pub tier_offer: fn(threshold: &str, discount: &str) -> String,
    pub tier_offer_no_threshold: fn(discount: &str) -> String,
    pub tier_single_item: fn(threshold: &str) -> String,
    pub tier_only_for: fn(category: &str) -> String,
    pub tier_stock: fn(count: u32) -> String,
    pub pack_holds: &'static str,
    pub pack_item: fn(offer: &str, count: u32) -> String,
    pub pack_stock: fn(count: u32) -> String,
    pub pack_item_only_at: fn(offer: &str, only_at: &str) -> String,
    /// After a stock line: later rounds bring only what the first left.
    pub stock_then_leftover: &'static str,
    /// After a figure the notice does not give: "（按公告推算）".
    pub assumed_mark: &'static str,
    /// Under a theme whose claim window the notice does not give.
    pub claim_window_assumed: &'static str,
    /// The link to the campaign's open figures page (drawn by the service).
    pub open_figures: &'static str,
    /// An open release whose size (the round before's leftovers) the app has not heard yet.
    pub status_open_leftover: &'static str,
    pub status_open_left: fn(left: u32) -> String,
    pub location_title: &'static str,
    pub location_not_asked: fn(city: &str) -> String,
    pub location_ask: &'static str,
    pub location_ask_again: &'static str,
    pub location_asking: &'static str,
    pub location_denied: fn(city: &str) -> String,
    pub location_help_browser: &'static str,
    pub location_help_phone: &'static str,
    pub location_help_partner: &'static str,
    pub location_unavailable: &'static str,
    pub location_timed_out: &'static str,
    pub location_inaccurate: fn(accuracy: &str) -> String,
    pub location_uncertain: fn(city: &str, border: &str) -> String,
    pub location_inside: fn(city: &str) -> String,
    pub location_outside: fn(city: &str, border: &str) -> String,
    pub distance_m: fn(metres: u32) -> String,
    pub distance_km: fn(km: &str) -> String,
    pub countdown_days: fn(days: u32, clock: &str) -> String,
    pub status_upcoming: fn(countdown: &str, at: &str) -> String,
    pub status_open: fn(left: u32, total: u32) -> String,
    pub status_sold_out_next: fn(when: &str, next: &str) -> String,
    pub status_sold_out_final: fn(when: &str) -> String,
    pub status_round_over_next: fn(at: &str) -> String,
    pub status_campaign_over: &'static str,
    pub announce_open: &'static str,
    pub announce_last_minute: &'static str,
    pub announce_minutes: fn(minutes: u32) -> String,
    pub announce_hours: fn(hours: u32) -> String,
    pub claim_button: &'static str,
    pub claim_resume: &'static str,
    pub claim_sending: &'static str,
    /// A claim held for a fair start's draw; `at` is `hh:mm:ss` on the campaign's clock.
    pub claim_in_draw: fn(at: &str) -> String,
    /// A theme with a fair start, said before its releases.
    pub fair_start_note: fn(seconds: u32) -> String,
    pub claim_waiting_busy: fn(seconds: u32) -> String,
    pub claim_waiting_network: fn(seconds: u32) -> String,
    pub claim_stop: &'static str,
    pub claim_stopped: &'static str,
    pub claim_success: fn(vouchers: u32) -> String,
    pub claim_to_wallet: &'static str,
    pub claim_again_at: fn(at: &str) -> String,
    pub claim_needs_location: &'static str,
    pub claim_needs_sign_in: &'static str,
    pub claim_needs_store_code: &'static str,
    pub failed_store_code: &'static str,
    pub store_code_label: &'static str,
    pub refused_unknown_offer: &'static str,
    pub refused_not_open_yet: fn(at: &str) -> String,
    pub refused_round_over: fn(at: &str) -> String,
    pub refused_campaign_over: &'static str,
    pub refused_sold_out: fn(at: &str) -> String,
    pub refused_sold_out_final: &'static str,
    pub refused_real_name: &'static str,
    pub refused_enterprise: &'static str,
    pub refused_allowlist: &'static str,
    pub refused_store: &'static str,
    pub refused_location_required: &'static str,
    pub refused_outside: &'static str,
    pub refused_uncertain: &'static str,
    pub refused_inaccurate: &'static str,
    pub refused_claimed_today: &'static str,
    pub refused_claimed_round: &'static str,
    pub refused_claimed_campaign: &'static str,
    pub refused_used_before: &'static str,
    pub refused_used_today: &'static str,
    pub refused_used_round: &'static str,
    /// Elder mode's plainer words for the refusals whose usual words explain more than they ask.
    pub plain_uncertain: &'static str,
    pub plain_inaccurate: &'static str,
    pub plain_real_name: &'static str,
    pub plain_enterprise: &'static str,
    pub plain_allowlist: &'static str,
    pub plain_store: &'static str,
    pub plain_used_before: &'static str,
    /// "明天" in "明天 09:30 起可以再领".
    pub day_tomorrow: &'static str,
    pub failed_signed_out: &'static str,
    pub failed_busy: &'static str,
    pub failed_network: &'static str,
    pub failed_rate_limited: &'static str,
    pub failed_other: fn(code: &str) -> String,
    pub sign_in_title: &'static str,
    pub sign_in_phone: &'static str,
    pub sign_in_send_code: &'static str,
    pub sign_in_code_sent: &'static str,
    pub sign_in_code: &'static str,
    pub sign_in_submit: &'static str,
    pub sign_in_done: &'static str,
    pub sign_in_wrong_code: &'static str,
    pub sign_in_bad_phone: &'static str,
    pub sign_out: &'static str,
    /// The sign-out button's accessible name: it says who is signed out (`who` from `signed_in_as_*`).
    pub sign_out_label: fn(who: &str) -> String,
    pub signed_out: &'static str,
    pub signed_in_as_phone: fn(masked: &str) -> String,
    pub signed_in_as_partner: fn(partner: &str) -> String,
    pub signed_in_as_account: fn(resident: i64) -> String,
    /// A partner app's name from the id its tokens carry (`jd` → 京东); an unknown id as it is.
    pub partner_name: fn(id: &str) -> String,
    pub partner_switch_question: fn(current: &str, partner: &str) -> String,
    pub partner_switch: &'static str,
    pub partner_keep: &'static str,
    pub partner_switch_done: fn(partner: &str) -> String,
    pub partner_switch_failed: fn(partner: &str, current: &str) -> String,
    /// 代领 on the claim page: whom for (`who`: their phone, middle hidden), and the way back.
    pub claiming_for: fn(who: &str) -> String,
    pub claim_for_myself: &'static str,
    pub claim_to_their_wallet: &'static str,
    pub wallet_link: &'static str,
    pub list_separator: &'static str,
    pub error_title: &'static str,
    pub error_network: &'static str,
    pub error_not_found: &'static str,
    pub error_server: &'static str,
    pub error_unreadable: &'static str,
    pub retry: &'static str,
    pub back_to_campaigns: &'static str,
}

/// The catalogue of a language. In the size build English is a wasm module of its own (most
/// residents read Chinese: 3.8 KB of every first visit), fetched by [`load_english`] before
/// the resident sees anything in it; until then its catalogue reads as Chinese.
pub fn messages(lang: Lang) -> &'static Messages {
    match lang {
        Lang::ZhHans => &zh_hans::MESSAGES,
        #[cfg(not(huiquan_split))]
        Lang::En => &en::MESSAGES,
        #[cfg(huiquan_split)]
        Lang::En => ENGLISH.get().copied().unwrap_or(&zh_hans::MESSAGES),
    }
}

#[cfg(huiquan_split)]
static ENGLISH: std::sync::OnceLock<&'static Messages> = std::sync::OnceLock::new();

#[cfg(huiquan_split)]
#[leptos::wasm_split::wasm_split(english, wasm_split_path = ::leptos::wasm_split, fallible)]
fn english_catalogue() -> Result<&'static Messages, leptos::wasm_split::SplitLoaderError> {
    Ok(&en::MESSAGES)
}

/// Whether the English catalogue is here (always, outside the size build).
pub fn english_loaded() -> bool {
    #[cfg(huiquan_split)]
    return ENGLISH.get().is_some();
    #[cfg(not(huiquan_split))]
    true
}

/// Fetches the English catalogue's module; `false` when it could not be fetched (offline), and
/// the page stays in Chinese.
pub async fn load_english() -> bool {
    #[cfg(huiquan_split)]
    if let Ok(english) = english_catalogue().await {
        let _ = ENGLISH.set(english);
    }
    english_loaded()
}

/// An instant as `08-28 09:30` on a campaign's clock (`offset`), whatever the phone's zone.
pub fn campaign_time(instant: huiquan_core::civil::Instant, offset: huiquan_core::civil::UtcOffset) -> String {
    match instant.to_civil(offset) {
        Some(at) => format!("{:02}-{:02} {}", at.date.month(), at.date.day(), at.time),
        None => String::new(),
    }
}

/// When a resident may claim again, as they would say it: `明天 09:30` when that is the next day
/// on the campaign's clock, `08-28 09:30` otherwise.
pub fn campaign_time_from(
    t: &Messages,
    instant: huiquan_core::civil::Instant,
    offset: huiquan_core::civil::UtcOffset,
    now: huiquan_core::civil::Instant,
) -> String {
    let day = |at: huiquan_core::civil::Instant| at.to_civil(offset).map(|civil| civil.date);
    match (day(instant), day(now).and_then(|today| today.add_days(1))) {
        (Some(day), Some(tomorrow)) if day == tomorrow => match instant.to_civil(offset) {
            Some(at) => format!("{} {}", t.day_tomorrow, at.time),
            None => String::new(),
        },
        _ => campaign_time(instant, offset),
    }
}

/// A deadline as notices write it: midnight is `24:00` of the day before (`08-28 24:00`).
pub fn campaign_deadline(instant: huiquan_core::civil::Instant, offset: huiquan_core::civil::UtcOffset) -> String {
    match instant.to_civil(offset) {
        Some(at) if at.time == huiquan_core::civil::Time::MIDNIGHT => match at.date.add_days(-1) {
            Some(day) => format!("{:02}-{:02} 24:00", day.month(), day.day()),
            None => campaign_time(instant, offset),
        },
        _ => campaign_time(instant, offset),
    }
}

/// A language the resident can choose: the two catalogues', and Traditional Chinese, which is
/// the Simplified catalogue and data converted as the page is drawn: the page's script converts
/// every text under `<html lang="zh-Hant">` with `public/hant.json` (`scripts/hant.py`, from
/// OpenCC), which is downloaded only by those who read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    ZhHans,
    ZhHant,
    En,
}

impl Language {
    /// The catalogue and data language it is drawn from.
    pub fn catalogue(self) -> Lang {
        match self {
            Language::ZhHans | Language::ZhHant => Lang::ZhHans,
            Language::En => Lang::En,
        }
    }

    /// Its BCP 47 tag, for `<html lang>` and the stored choice.
    pub fn tag(self) -> &'static str {
        match self {
            Language::ZhHans => "zh-Hans",
            Language::ZhHant => "zh-Hant",
            Language::En => "en",
        }
    }
}

const STORAGE_KEY: &str = "huiquan.lang";

/// The resident's language, shared through context.
#[derive(Clone, Copy)]
pub struct I18n {
    language: RwSignal<Language>,
}

impl I18n {
    /// The catalogue's language (tracked): what data text is read in.
    pub fn lang(&self) -> Lang {
        self.language.get().catalogue()
    }

    /// The language chosen (tracked).
    pub fn language(&self) -> Language {
        self.language.get()
    }

    /// The current catalogue (tracked): `move || i18n.t().retry`.
    pub fn t(&self) -> &'static Messages {
        messages(self.lang())
    }

    /// Switches language, remembers the choice on this device and tells assistive technology.
    /// English is fetched first where it is a module of its own.
    pub fn set_language(&self, language: Language) {
        if language.catalogue() == Lang::En && !english_loaded() {
            let this = *self;
            leptos::task::spawn_local(async move {
                if load_english().await {
                    this.set_language(language);
                }
            });
            return;
        }
        self.language.set(language);
        if let Some(storage) = local_storage() {
            // Private browsing may refuse storage: the switch still works for this visit.
            let _ = storage.set_item(STORAGE_KEY, language.tag());
        }
        set_document_lang(language);
    }
}

fn local_storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

fn set_document_lang(language: Language) {
    if let Some(html) = document().document_element() {
        let _ = html.set_attribute("lang", language.tag());
    }
}

/// The language this device should start in.
pub fn initial_lang() -> Language {
    let stored = local_storage().and_then(|storage| storage.get_item(STORAGE_KEY).ok().flatten());
    let browser: Vec<String> = window().navigator().languages().iter().filter_map(|value| value.as_string()).collect();
    negotiate(stored.iter().map(String::as_str).chain(browser.iter().map(String::as_str)))
}

/// Provides the language to everything inside.
#[component]
pub fn I18nProvider(
    /// Start in this language instead of the stored or browser one (tests, embedding hosts).
    #[prop(optional)]
    lang: Option<Lang>,
    children: Children,
) -> impl IntoView {
    let language = match lang {
        Some(Lang::ZhHans) => Language::ZhHans,
        Some(Lang::En) => Language::En,
        None => initial_lang(),
    };
    set_document_lang(language);
    let chosen = RwSignal::new(language);
    provide_context(I18n { language: chosen });
    // English is a module of its own in the size build. The app is built meanwhile (in Chinese
    // words, out of sight behind the page's first paint, which stays until the catalogue is
    // here) and its words redrawn in English once it is; offline, the page shows in Chinese.
    if language.catalogue() == Lang::En && !english_loaded() {
        let first_sight = crate::pieces::Pending::hold();
        leptos::task::spawn_local(async move {
            if load_english().await {
                chosen.notify();
            }
            drop(first_sight);
        });
    }
    children()
}

/// The language context; panics only if a component is used outside `I18nProvider`, which is a
/// programming error caught by every test that mounts it.
pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}
