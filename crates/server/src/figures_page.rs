//! The open figures page (公开透明页), `GET /campaigns/{id}/figures`: public, no sign-in, drawn
//! by the service as plain HTML with SVG charts, so it costs the app's download nothing, opens
//! without JavaScript and is the same for every reader (cached like the JSON it is made from).
//! Every chart's numbers are also a table, which is what a screen reader reads.

use std::fmt::Write;

use axum::{
    extract::{Path as UrlPath, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
};
use huiquan_core::{
    Campaign, Fen, Lang, Offer,
    civil::Instant,
    figures::{CampaignFigures, Counts, DayCounts, Event},
};

use crate::{AppState, first_paint::escape};

/// The page's stylesheet (served at `/figures.css`: the page's policy allows no inline style).
pub const STYLESHEET: &str = include_str!("figures.css");

/// The page's sentences in one language; a language lacking one does not compile.
struct Words {
    code: Lang,
    lang: &'static str,
    title: fn(campaign: &str) -> String,
    back: &'static str,
    other_language: (&'static str, &'static str),
    as_of: fn(time: &str, city: &str, seconds: u64) -> String,
    how_counted: &'static str,
    totals: &'static str,
    kind: &'static str,
    count: &'static str,
    value: &'static str,
    event: fn(Event) -> &'static str,
    spending: &'static str,
    spending_line: fn(orders: u64, spent: &str, subsidy: &str) -> String,
    leverage: fn(times: &str) -> String,
    no_spending: &'static str,
    days: &'static str,
    days_chart: fn(days: usize) -> String,
    date: &'static str,
    tiers: &'static str,
    tiers_chart: &'static str,
    voucher: &'static str,
    tier_offer: fn(threshold: &str, discount: &str) -> String,
    tier_no_threshold: fn(discount: &str) -> String,
    releases: &'static str,
    opens: &'static str,
    stock: &'static str,
    claimed: &'static str,
    sold_out: &'static str,
    sold_out_after: fn(seconds: i64) -> String,
    not_sold_out: &'static str,
    nothing_yet: &'static str,
}

const ZH_HANS: Words = Words {
    code: Lang::ZhHans,
    lang: "zh-Hans",
    title: |campaign| format!("{campaign} · 公开数据"),
    back: "返回领券页",
    other_language: ("en", "English"),
    as_of: |time, city, seconds| format!("统计截至 {time}（{city}时间），每 {seconds} 秒更新一次。"),
    how_counted: "发放：各场新投放的消费券（上一轮剩余转入下一轮的不重复计算）。领取、使用、过期、退款按发生的当天计。金额按券面额计。",
    totals: "总览",
    kind: "项目",
    count: "张数",
    value: "金额（元）",
    event: |event| match event {
        Event::Issued => "发放",
        Event::Claimed => "领取",
        Event::Used => "使用",
        Event::Expired => "过期未用",
        Event::Refunded => "退款",
    },
    spending: "带动消费",
    spending_line: |orders, spent, subsidy| {
        format!("用券的 {orders} 笔订单共消费 {spent} 元，其中消费券补贴 {subsidy} 元（已退款的订单不计）。")
    },
    leverage: |times| format!("每 1 元补贴带动 {times} 元消费。"),
    no_spending: "还没有用券的订单。",
    days: "每日",
    days_chart: |days| format!("每日领取与使用的柱状图，共 {days} 天；数字见下表。"),
    date: "日期",
    tiers: "按面额",
    tiers_chart: "各面额发放、领取与使用的条形图；数字见下表。",
    voucher: "消费券",
    tier_offer: |threshold, discount| format!("满{threshold}元减{discount}元"),
    tier_no_threshold: |discount| format!("{discount}元（无门槛）"),
    releases: "每场发放",
    opens: "开抢时间",
    stock: "投放",
    claimed: "已领",
    sold_out: "抢完",
    sold_out_after: |seconds| match seconds {
        0..120 => format!("开抢后 {seconds} 秒"),
        _ => format!("开抢后 {} 分钟", seconds / 60),
    },
    not_sold_out: "未抢完",
    nothing_yet: "暂无数据。",
};

const EN: Words = Words {
    code: Lang::En,
    lang: "en",
    title: |campaign| format!("Open figures: {campaign}"),
    back: "Back to the vouchers",
    other_language: ("zh-Hans", "简体中文"),
    as_of: |time, city, seconds| format!("As of {time} ({city} time); updated every {seconds} seconds."),
    how_counted: "Issued: vouchers newly put up at each release (leftovers handed on to the next round are not counted again). Claims, uses, expiries and refunds are counted on the day they happened. Amounts are face values.",
    totals: "In all",
    kind: "What",
    count: "Vouchers",
    value: "Amount (yuan)",
    event: |event| match event {
        Event::Issued => "Issued",
        Event::Claimed => "Claimed",
        Event::Used => "Used",
        Event::Expired => "Expired unused",
        Event::Refunded => "Refunded",
    },
    spending: "Spending they brought",
    spending_line: |orders, spent, subsidy| {
        let orders = if orders == 1 { "1 order".to_owned() } else { format!("{orders} orders") };
        format!("{orders} with vouchers came to ¥{spent}, of which the vouchers paid ¥{subsidy} (refunded orders left out).")
    },
    leverage: |times| format!("Each yuan of subsidy went with ¥{times} of spending."),
    no_spending: "No order has used a voucher yet.",
    days: "Day by day",
    days_chart: |days| format!("Bar chart of vouchers claimed and used each day, {days} days; the numbers are in the table below."),
    date: "Date",
    tiers: "By voucher",
    tiers_chart: "Bar chart of each voucher's issued, claimed and used counts; the numbers are in the table below.",
    voucher: "Voucher",
    tier_offer: |threshold, discount| format!("¥{discount} off ¥{threshold}"),
    tier_no_threshold: |discount| format!("¥{discount} off, no minimum"),
    releases: "Each release",
    opens: "Opened",
    stock: "Put up",
    claimed: "Claimed",
    sold_out: "Gone",
    sold_out_after: |seconds| match seconds {
        0..120 => format!("{seconds} s after opening"),
        _ => format!("{} min after opening", seconds / 60),
    },
    not_sold_out: "Not all claimed",
    nothing_yet: "Nothing yet.",
};

fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::ZhHans => &ZH_HANS,
        Lang::En => &EN,
    }
}

/// The page's language: `?lang=` if given, else the browser's first language we speak.
fn page_lang(asked: Option<&str>, headers: &HeaderMap) -> Lang {
    let pick = |tag: &str| {
        let tag = tag.trim().to_ascii_lowercase();
        if tag.starts_with("zh") {
            Some(Lang::ZhHans)
        } else if tag.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    };
    if let Some(lang) = asked.and_then(pick) {
        return lang;
    }
    let accepted = headers.get(header::ACCEPT_LANGUAGE).and_then(|value| value.to_str().ok()).unwrap_or_default();
    // Browsers list languages most wanted first.
    accepted.split(',').find_map(|item| pick(item.split(';').next().unwrap_or_default())).unwrap_or_default()
}

#[derive(serde::Deserialize)]
pub struct PageQuery {
    lang: Option<String>,
}

/// The page. An unknown campaign is a page that says so (404).
pub async fn figures_page(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = page_lang(query.lang.as_deref(), &headers);
    let Some(campaign) = state.catalog.get(&id) else {
        let text = match lang {
            Lang::ZhHans => "没有这个活动。",
            Lang::En => "There is no such campaign.",
        };
        return (StatusCode::NOT_FOUND, Html(format!("<!doctype html><meta charset=utf-8><title>{text}</title><p>{text}</p>")))
            .into_response();
    };
    let now = state.ledger.clock().now();
    match state.figures.get(&state.store, campaign, now).await {
        Some(Ok(counted)) => {
            let page = render(campaign, &counted.figures, lang, &state.base_path);
            ([(header::CACHE_CONTROL, counted.cache_control()), (header::VARY, HeaderValue::from_static("accept-language"))], Html(page))
                .into_response()
        }
        _ => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, HeaderValue::from_static("5"))],
            Html("<!doctype html><meta charset=utf-8><title>…</title><p>请稍后再试。 Please try again shortly.</p>"),
        )
            .into_response(),
    }
}

/// The page's whole HTML; its links are relative to `base`, where the app is served.
pub fn render(campaign: &Campaign, figures: &CampaignFigures, lang: Lang, base: &crate::BasePath) -> String {
    let words = words(lang);
    let name = campaign.name.get(lang);
    let mut page = String::with_capacity(16 * 1024);
    let _ = write!(
        page,
        r#"<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><base href="{base}"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title><link rel="icon" href="icon.svg" type="image/svg+xml"><link rel="stylesheet" href="figures.css"></head><body><header class="bar"><a href="campaigns/{id}">{back}</a><a href="campaigns/{id}/figures?lang={other}" hreflang="{other}" lang="{other}">{other_name}</a></header><main><h1>{title}</h1><p>{as_of}</p><p class="note">{how}</p>"#,
        lang = words.lang,
        base = base,
        title = escape(&(words.title)(name)),
        id = escape(&campaign.id),
        back = words.back,
        other = words.other_language.0,
        other_name = words.other_language.1,
        as_of = escape(&(words.as_of)(
            &civil_time(campaign, Instant(figures.as_of_ms)),
            campaign.city.get(lang),
            u64::from(figures.fresh_for_s)
        )),
        how = words.how_counted,
    );
    totals(&mut page, words, &figures.totals);
    spending(&mut page, words, figures);
    days(&mut page, words, &figures.days);
    tiers(&mut page, words, campaign, figures);
    releases(&mut page, words, campaign, figures);
    page.push_str("</main></body></html>");
    page
}

fn section(page: &mut String, id: &str, heading: &str) {
    let _ = write!(page, r#"<section aria-labelledby="{id}"><h2 id="{id}">{heading}</h2>"#);
}

fn totals(page: &mut String, words: &Words, counts: &Counts) {
    section(page, "totals", words.totals);
    let _ = write!(
        page,
        r#"<table><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        words.kind, words.count, words.value
    );
    for event in Event::ALL {
        let tally = counts.get(event);
        let _ = write!(
            page,
            r#"<tr><th scope="row">{}</th><td>{}</td><td>{}</td></tr>"#,
            (words.event)(event),
            grouped(tally.count),
            yuan(tally.value)
        );
    }
    page.push_str("</tbody></table></section>");
}

fn spending(page: &mut String, words: &Words, figures: &CampaignFigures) {
    section(page, "spending", words.spending);
    let spending = figures.spending;
    if spending.orders == 0 {
        let _ = write!(page, "<p>{}</p>", words.no_spending);
    } else {
        let _ = write!(page, "<p>{}", escape(&(words.spending_line)(spending.orders, &yuan(spending.spent), &yuan(spending.subsidy))));
        if let Some(tenths) = spending.leverage_tenths() {
            let _ = write!(page, " <strong>{}</strong>", escape(&(words.leverage)(&format!("{}.{}", tenths / 10, tenths % 10))));
        }
        page.push_str("</p>");
    }
    page.push_str("</section>");
}

/// Height of a chart's plotting area, in the SVG's own units (the SVG scales to the page).
const CHART_HEIGHT: u64 = 120;
const CHART_WIDTH: u64 = 320;

fn days(page: &mut String, words: &Words, days: &[DayCounts]) {
    section(page, "days", words.days);
    if days.is_empty() {
        let _ = write!(page, "<p>{}</p></section>", words.nothing_yet);
        return;
    }
    // Claimed and used side by side for each day.
    let highest = days.iter().map(|day| day.counts.claimed.count.max(day.counts.used.count)).max().unwrap_or(0).max(1);
    // A day's pair of bars is at most 48 units wide, so a campaign's first day is not one slab.
    let slot = (CHART_WIDTH as f64 / days.len() as f64).min(48.0);
    let bar = (slot * 0.4).max(0.5);
    let _ = write!(
        page,
        r#"<figure><svg class="chart" viewBox="0 0 {CHART_WIDTH} {}" role="img" aria-label="{}">"#,
        CHART_HEIGHT + 16,
        escape(&(words.days_chart)(days.len()))
    );
    for (index, day) in days.iter().enumerate() {
        let x = slot * index as f64;
        for (offset, class, count) in [(0.0, "claimed", day.counts.claimed.count), (bar, "used", day.counts.used.count)] {
            let height = (count * CHART_HEIGHT) as f64 / highest as f64;
            let _ = write!(
                page,
                r#"<rect class="{class}" x="{:.1}" y="{:.1}" width="{bar:.1}" height="{height:.1}"/>"#,
                x + slot * 0.1 + offset,
                CHART_HEIGHT as f64 - height
            );
        }
        // Dates under the bars, as many as fit.
        let every = days.len().div_ceil(8);
        if index % every == 0 {
            let _ = write!(
                page,
                r#"<text x="{:.1}" y="{}" class="axis">{}/{}</text>"#,
                x + slot * 0.1,
                CHART_HEIGHT + 13,
                day.date.month(),
                day.date.day()
            );
        }
    }
    let _ = write!(
        page,
        r#"</svg><figcaption><span class="key claimed"></span>{} <span class="key used"></span>{} · max {highest}</figcaption></figure>"#,
        (words.event)(Event::Claimed),
        (words.event)(Event::Used)
    );
    table_head(page, words, words.date);
    for day in days {
        table_row(page, &day.date.to_string(), &day.counts);
    }
    page.push_str("</tbody></table></div></section>");
}

/// A table of counts, one row per day or tier; wide, so it scrolls sideways on its own.
fn table_head(page: &mut String, words: &Words, first: &str) {
    let _ = write!(page, r#"<div class="wide" tabindex="0"><table><thead><tr><th scope="col">{first}</th>"#);
    for event in Event::ALL {
        let _ = write!(page, r#"<th scope="col">{}</th>"#, (words.event)(event));
    }
    page.push_str("</tr></thead><tbody>");
}

fn table_row(page: &mut String, first: &str, counts: &Counts) {
    let _ = write!(page, r#"<tr><th scope="row">{}</th>"#, escape(first));
    for event in Event::ALL {
        let tally = counts.get(event);
        let _ = write!(page, "<td>{}<br><small>¥{}</small></td>", grouped(tally.count), yuan(tally.value));
    }
    page.push_str("</tr>");
}

fn tier_label(words: &Words, campaign: &Campaign, tier: &huiquan_core::Tier, lang: Lang) -> String {
    let offer = if tier.threshold > Fen::ZERO {
        (words.tier_offer)(&tier.threshold.to_string(), &tier.discount.to_string())
    } else {
        (words.tier_no_threshold)(&tier.discount.to_string())
    };
    match campaign.tier(&tier.id) {
        Some((theme, _)) => format!("{} · {offer}", theme.name.get(lang)),
        None => offer,
    }
}

fn tiers(page: &mut String, words: &Words, campaign: &Campaign, figures: &CampaignFigures) {
    section(page, "tiers", words.tiers);
    let lang = words.code;
    let highest = figures.tiers.iter().map(|tier| tier.totals.issued.count.max(tier.totals.claimed.count)).max().unwrap_or(0).max(1);
    let row_height = 18;
    let _ = write!(
        page,
        r#"<figure><svg class="chart" viewBox="0 0 {CHART_WIDTH} {}" role="img" aria-label="{}">"#,
        row_height * figures.tiers.len().max(1),
        escape(words.tiers_chart)
    );
    // Each tier a bar of what was issued, with what was claimed and used drawn over it.
    for (index, tier) in figures.tiers.iter().enumerate() {
        let y = row_height * index;
        for (class, count, inset) in
            [("issued", tier.totals.issued.count, 0), ("claimed", tier.totals.claimed.count, 2), ("used", tier.totals.used.count, 5)]
        {
            let width = (count * CHART_WIDTH) as f64 / highest as f64;
            let _ = write!(page, r#"<rect class="{class}" x="0" y="{}" width="{width:.1}" height="{}"/>"#, y + 2 + inset, 14 - 2 * inset);
        }
    }
    let _ = write!(
        page,
        r#"</svg><figcaption><span class="key issued"></span>{} <span class="key claimed"></span>{} <span class="key used"></span>{}</figcaption></figure>"#,
        (words.event)(Event::Issued),
        (words.event)(Event::Claimed),
        (words.event)(Event::Used)
    );
    table_head(page, words, words.voucher);
    for figures in &figures.tiers {
        let label =
            campaign.tier(&figures.tier).map(|(_, tier)| tier_label(words, campaign, tier, lang)).unwrap_or_else(|| figures.tier.clone());
        table_row(page, &label, &figures.totals);
    }
    page.push_str("</tbody></table></div></section>");
}

fn releases(page: &mut String, words: &Words, campaign: &Campaign, figures: &CampaignFigures) {
    section(page, "releases", words.releases);
    if figures.releases.is_empty() {
        let _ = write!(page, "<p>{}</p></section>", words.nothing_yet);
        return;
    }
    let lang = words.code;
    let _ = write!(
        page,
        r#"<div class="wide" tabindex="0"><table><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        words.opens, words.voucher, words.stock, words.claimed, words.sold_out
    );
    // Oldest first, and each release's offers in the campaign's own order.
    let position = |offer: &str| campaign.offers().position(|(_, known)| known.id() == offer).unwrap_or(usize::MAX);
    let mut releases: Vec<_> = figures.releases.iter().collect();
    releases.sort_by_key(|release| (release.opens_at_ms, position(&release.offer)));
    for release in releases {
        let offer = match campaign.offer(&release.offer) {
            Some((_, Offer::Tier(tier))) => tier_label(words, campaign, tier, lang),
            Some((_, Offer::Pack(pack))) => pack.name.get(lang).to_owned(),
            None => release.offer.clone(),
        };
        let gone = match release.sold_out_at_ms {
            Some(at) => (words.sold_out_after)((at - release.opens_at_ms).max(0) / 1000),
            None => words.not_sold_out.to_owned(),
        };
        let _ = write!(
            page,
            r#"<tr><th scope="row">{}</th><td class="text">{}</td><td>{}</td><td>{}</td><td class="text">{}</td></tr>"#,
            short_time(campaign, Instant(release.opens_at_ms)),
            escape(&offer),
            grouped(u64::from(release.stock)),
            grouped(u64::from(release.claimed)),
            escape(&gone)
        );
    }
    page.push_str("</tbody></table></div></section>");
}

/// `12,345`: digits in groups of three, easier to read at a glance.
fn grouped(number: u64) -> String {
    let digits = number.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Yuan with grouped digits: `1,234,567.5`.
fn yuan(amount: Fen) -> String {
    let text = amount.to_string();
    let (whole, fraction) = text.split_once('.').map_or((text.as_str(), None), |(whole, fraction)| (whole, Some(fraction)));
    let (sign, digits) = whole.strip_prefix('-').map_or(("", whole), |digits| ("-", digits));
    let grouped = grouped(digits.parse().unwrap_or(0));
    match fraction {
        Some(fraction) => format!("{sign}{grouped}.{fraction}"),
        None => format!("{sign}{grouped}"),
    }
}

/// `08-20 19:50` on the campaign's wall clock: a release opens on a minute.
fn short_time(campaign: &Campaign, at: Instant) -> String {
    match at.to_civil(campaign.utc_offset) {
        Some(civil) => format!("{:02}-{:02} {}", civil.date.month(), civil.date.day(), civil.time),
        None => String::new(),
    }
}

/// `2022-08-20 19:50:07` on the campaign's wall clock.
fn civil_time(campaign: &Campaign, at: Instant) -> String {
    match at.to_civil(campaign.utc_offset) {
        Some(civil) => format!("{} {}:{:02}", civil.date, civil.time, at.second()),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(3_499_220), "3,499,220");
        assert_eq!(yuan(Fen(349_922_050)), "3,499,220.5");
        assert_eq!(yuan(Fen(-120_000)), "-1,200");
    }

    #[test]
    fn the_language_is_the_asked_one_else_the_browsers_first_we_speak() {
        let headers = |accepted: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_str(accepted).expect("header"));
            headers
        };
        assert_eq!(page_lang(None, &headers("fr-FR,en;q=0.8,zh;q=0.5")), Lang::En);
        assert_eq!(page_lang(None, &headers("zh-TW,en;q=0.8")), Lang::ZhHans);
        assert_eq!(page_lang(Some("zh-Hans"), &headers("en")), Lang::ZhHans);
        assert_eq!(page_lang(Some("xx"), &headers("de")), Lang::ZhHans);
        assert_eq!(page_lang(None, &HeaderMap::new()), Lang::ZhHans);
    }
}
