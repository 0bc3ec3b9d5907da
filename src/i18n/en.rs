use huiquan_core::text::{self, Lang};

use super::Messages;

/// A count with its noun, singular for one: "1 merchant", "3 merchants".
pub(crate) fn count_of(count: u32, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

pub const MESSAGES: Messages = Messages {
    app_name: "Huiquan",
    skip_to_content: "Skip to content",
    loading: "Loading…",
    switch_language_label: "Language 语言",
    elder_mode: "Elder mode",
    back: "Back",
    opened_in: |host| format!("Opened in {host}"),
    host_alipay: "Alipay",
    host_wechat: "a WeChat mini program",
    host_wechat_browser: "WeChat",
    host_unionpay: "UnionPay",
    host_app: "a partner's app",
    host_web: "a partner's web page",
    campaigns_title: "Choose your city",
    no_campaigns: "No voucher campaign is open right now.",
    campaign_channel: |channel| format!("Claim in {channel}"),
    campaign_rounds: "When",
    round_window: |opens, closes| format!("{opens} to {closes}"),
    release_daily: |at| format!("Released every day at {at}"),
    release_daily_first_day: |first, at| format!("Released at {first} on the first day, then every day at {at}"),
    release_once: "All released when each round opens",
    times_in_zone: |city, zone| format!("All times are local time in {city} ({zone})."),
    tier_offer: |threshold, discount| format!("¥{discount} off orders of ¥{threshold} or more"),
    tier_offer_no_threshold: |discount| format!("¥{discount} off, no minimum spend"),
    tier_single_item: |threshold| format!("For a single item of ¥{threshold} or more"),
    tier_only_for: |category| format!("Only for {category}"),
    tier_stock: |count| format!("{} at each release", count_of(count, "voucher", "vouchers")),
    location_title: text::location_title(Lang::En),
    location_not_asked: |city| text::location_not_asked(Lang::En, city),
    location_ask: "Check my location",
    location_ask_again: "Check my location again",
    location_asking: "Finding your location…",
    location_denied: |city| format!("You have not allowed location, so we cannot tell whether you are in {city}. To allow it again:"),
    location_help_browser: "In the browser: tap the padlock left of the address, set Location to Allow, then reload the page.",
    location_help_phone: "On the phone: turn on Location services in Settings and allow this browser to use them.",
    location_help_partner: "Opened from JD, UnionPay, CCB Life or Alipay: allow location in that app's Settings › Privacy › Location, then open this page again.",
    location_unavailable: "Your phone cannot find its location right now. Turn on location services (GPS), move near a window or outdoors, and try again.",
    location_timed_out: "Finding your location took too long. Check that location services are on, then try again.",
    location_inaccurate: |accuracy| format!("Your location is not precise enough (within {accuracy}). Turn on GPS or Wi-Fi and try again."),
    location_uncertain: |city, border| {
        format!(
            "You are close to the edge of {city} ({border}) and your location is not precise enough to tell which side. Try again in the open or with GPS on."
        )
    },
    location_inside: |city| format!("Confirmed: you are in {city} and can claim."),
    location_outside: |city, border| {
        format!("You are not in {city} right now ({border} from its boundary). Only people in {city} can claim these vouchers.")
    },
    distance_m: |metres| format!("about {metres} m"),
    distance_km: |km| format!("about {km} km"),
    countdown_days: |days, clock| format!("{days} d {clock}"),
    status_upcoming: |countdown, at| format!("Opens in {countdown} (at {at})"),
    status_open: |left, total| format!("Open now: {left} of {total} left"),
    status_sold_out_next: |when, next| {
        if when.is_empty() { format!("All claimed; next release {next}") } else { format!("All claimed at {when}; next release {next}") }
    },
    status_sold_out_final: |when| {
        if when.is_empty() { "All claimed; no more releases".to_owned() } else { format!("All claimed at {when}; no more releases") }
    },
    status_round_over_next: |at| format!("This round is over; the next opens {at}"),
    status_campaign_over: "The campaign is over",
    announce_open: "You can claim now",
    announce_last_minute: "Opens in less than a minute",
    announce_minutes: |minutes| format!("Opens within {}", count_of(minutes, "minute", "minutes")),
    announce_hours: |hours| format!("Opens in about {}", count_of(hours, "hour", "hours")),
    claim_button: "Claim now",
    claim_resume: "Resume claim",
    claim_sending: "Claiming…",
    claim_in_draw: |at| format!("In the draw: the result at {at}"),
    fair_start_note: |seconds| {
        format!(
            "Fair start: claims in the first {} of each release are drawn at random, so a faster phone does not win; after that, first come, first served.",
            count_of(seconds, "second", "seconds")
        )
    },
    claim_waiting_busy: |seconds| format!("The service is busy; trying again in {seconds} s (you will not get it twice)"),
    claim_waiting_network: |seconds| format!("No connection; trying again in {seconds} s (you will not get it twice)"),
    claim_stop: "Stop retrying",
    claim_stopped: "Stopped retrying. Tapping Resume claim continues this claim; it will not claim twice.",
    claim_success: |vouchers| format!("Claimed! {} now in your wallet.", count_of(vouchers, "voucher is", "vouchers are")),
    claim_to_wallet: "Open my wallet",
    claim_again_at: |at| format!(" You can claim again from {at}."),
    claim_needs_location: "Check your location first, then claim.",
    claim_needs_store_code: "These vouchers are claimed in a participating store: type the claim code its till shows, then tap Claim.",
    store_code_label: "Store's claim code",
    failed_store_code: "That store code is wrong or has expired (each code lasts a few minutes). Type the code the till shows now, then tap Claim.",
    claim_needs_sign_in: "Sign in first, then claim.",
    refused_unknown_offer: "There is no such voucher. Reload the page and try again.",
    refused_not_open_yet: |at| format!("Not released yet: it opens at {at}."),
    refused_round_over: |at| format!("This round is over; the next opens at {at}."),
    refused_campaign_over: "The campaign is over.",
    refused_sold_out: |at| format!("This release is all claimed; the next is at {at}."),
    refused_sold_out_final: "All claimed; there are no more releases.",
    refused_real_name: "Only real-name verified accounts can claim. Verify your name in the app you claim through, then try again.",
    refused_enterprise: "Company accounts cannot take part; please claim with a personal account.",
    refused_allowlist: "This voucher is only for residents on a list (such as home buyers at the housing fair), and your phone number is not on it.",
    refused_store: "This voucher is claimed by scanning the code in a participating store.",
    refused_location_required: "Your location is needed to claim: tap Check my location first.",
    refused_outside: "You are not in the campaign's city, so you cannot claim.",
    refused_uncertain: "You are too close to the city's boundary to tell. Move to the open, check your location again and retry.",
    refused_inaccurate: "Your location is not precise enough. Turn on GPS, check your location again and retry.",
    refused_claimed_today: "You have already claimed this voucher today.",
    refused_claimed_round: "You have already claimed this voucher in this round.",
    refused_claimed_campaign: "You have already claimed this voucher; it is one per person for the whole campaign.",
    refused_used_before: "You have used this voucher before; by the campaign's rules it cannot be claimed again.",
    refused_used_today: "You have already used this voucher today.",
    refused_used_round: "You have already used this voucher in this round.",
    plain_uncertain: "We cannot tell yet if you are in the city. Go outside into the open, then tap Check my location.",
    plain_inaccurate: "Your phone's location is not exact. Go outside, then tap Check my location.",
    plain_real_name: "Verify your real name first, in the app you claim through. Then come back and claim.",
    plain_enterprise: "Company accounts cannot claim. Use your own account.",
    plain_allowlist: "This voucher is only for people on a list. Your phone number is not on it.",
    plain_store: "Claim this voucher in a shop that takes part: scan the code in the shop.",
    plain_used_before: "You have used this voucher before, so you cannot claim it again.",
    day_tomorrow: "tomorrow",
    failed_signed_out: "Your sign-in has expired. Sign in again, then claim.",
    failed_busy: "The service stayed busy. Please try again later.",
    failed_network: "The connection stayed down. Check your network and try again.",
    failed_rate_limited: "Too many tries in a short time. Please wait a moment.",
    failed_other: |code| format!("The claim did not go through ({code}). Please try again later."),
    sign_in_title: "Sign in",
    sign_in_phone: "Mobile number",
    sign_in_send_code: "Send me a code",
    sign_in_code_sent: "A code is on its way; it is valid for 5 minutes.",
    sign_in_code: "Code",
    sign_in_submit: "Sign in",
    sign_in_done: "Signed in.",
    sign_in_wrong_code: "That code is wrong or has expired. Type it again or ask for a new one.",
    sign_in_bad_phone: "Enter an 11-digit mobile number.",
    sign_out: "Sign out",
    sign_out_label: |who| format!("Sign out ({who})"),
    signed_out: "Signed out. The wallet kept on this phone has been removed.",
    signed_in_as_phone: |masked| format!("mobile {masked}"),
    signed_in_as_partner: |partner| format!("your {partner} account"),
    signed_in_as_account: |resident| format!("account {resident}"),
    partner_name: |id| match id {
        "jd" => "JD".to_owned(),
        "unionpay" => "UnionPay".to_owned(),
        "ccb" => "CCB Life".to_owned(),
        "alipay" => "Alipay".to_owned(),
        other => other.to_owned(),
    },
    partner_switch_question: |current, partner| format!("You are signed in as {current}; switch to the account from {partner}?"),
    partner_switch: "Switch",
    partner_keep: "Keep",
    partner_switch_done: |partner| format!("Switched to the account from {partner}."),
    partner_switch_failed: |partner, current| {
        format!("The sign-in link from {partner} is not valid or has expired; you are still signed in as {current}.")
    },
    pack_holds: "Claimed in one go; it holds:",
    pack_item: |offer, count| format!("{count} × {offer}"),
    pack_stock: |count| format!("{} at each release", count_of(count, "pack", "packs")),
    pack_item_only_at: |offer, only_at| format!("{offer}, only at {only_at}"),
    stock_then_leftover: " (first round only; later rounds hand out what the round before left)",
    assumed_mark: " (worked out from the notice)",
    claim_window_assumed: "When these can be claimed is worked out from the notice, which does not say.",
    open_figures: "Open figures: how many were issued, claimed and used",
    status_open_leftover: "Handing out what the round before left",
    status_open_left: |left| format!("Open now: {left} left"),
    claiming_for: |who| format!("Claiming for your relative {who}: the vouchers go to their wallet and count against their limits."),
    claim_for_myself: "Claim for myself instead",
    claim_to_their_wallet: "See their vouchers",
    wallet_link: "My vouchers",
    list_separator: ", ",
    error_title: "Something went wrong",
    error_network: "No connection. Please check your network and try again.",
    error_not_found: "This campaign was not found; it may have ended.",
    error_server: "The service is not available right now. Please try again later.",
    error_unreadable: "The service's answer could not be read. Please try again later or update the app.",
    retry: "Try again",
    back_to_campaigns: "Back to the cities",
};

#[cfg(test)]
mod tests {
    use super::MESSAGES;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn one_of_something_is_singular() {
        assert_eq!((MESSAGES.claim_success)(1), "Claimed! 1 voucher is now in your wallet.");
        assert_eq!((MESSAGES.claim_success)(5), "Claimed! 5 vouchers are now in your wallet.");
        assert_eq!((MESSAGES.tier_stock)(1), "1 voucher at each release");
        assert_eq!((MESSAGES.pack_stock)(2), "2 packs at each release");
        assert_eq!((MESSAGES.announce_minutes)(1), "Opens within 1 minute");
        assert_eq!((MESSAGES.announce_hours)(2), "Opens in about 2 hours");
        assert!((MESSAGES.fair_start_note)(1).contains("in the first 1 second of each release"));
    }
}
