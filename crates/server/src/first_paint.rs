//! A campaign's page painted before the app's wasm arrives.
//!
//! `GET /campaigns/{id}` answers with the app's `index.html` whose first paint (the `<main>` of
//! its `#shell`) holds the campaign itself: city, name, themes and each tier's amounts, in both
//! languages as the static shell always was (the app has not yet read the browser's). The same
//! page carries the campaign and a stock snapshot as JSON (see `FirstPaint`), so the app starts
//! from them instead of asking for them again. The app replaces the shell when it mounts.

use std::{fmt::Write, path::Path};

use axum::{
    extract::{Path as UrlPath, State},
    http::{HeaderValue, header},
    response::{Html, IntoResponse, Response},
};
use huiquan_core::{Campaign, Fen, Lang, LocalizedText, api::FirstPaint, text};

use crate::AppState;

/// `index.html` cut around the first paint's `<main>` content.
pub(crate) struct PageTemplate {
    /// The page as Trunk built it, for a campaign the service does not know.
    plain: String,
    before: String,
    after: String,
}

impl PageTemplate {
    /// Reads Trunk's `index.html` from `dist`, served under `base` and framed by `partners`;
    /// `None` when it has no `#shell` with a `<main>`.
    pub fn read(dist: &Path, base: &crate::BasePath, partners: &crate::FrameAncestors) -> Option<PageTemplate> {
        let page = std::fs::read_to_string(dist.join("index.html")).ok()?;
        PageTemplate::parse(&base.written_into(&page, partners))
    }

    fn parse(page: &str) -> Option<PageTemplate> {
        let shell = page.find("id=shell").or_else(|| page.find("id=\"shell\""))?;
        let main = shell + page[shell..].find("<main>")? + "<main>".len();
        let end = main + page[main..].find("</main>")?;
        Some(PageTemplate { plain: page.to_owned(), before: page[..main].to_owned(), after: page[end..].to_owned() })
    }

    /// The page as Trunk built it (with its base path), revalidated on every visit like the file.
    pub fn plain_page(&self) -> Response {
        ([(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"))], Html(self.plain.clone())).into_response()
    }

    /// The page with `paint` drawn in the shell and carried as JSON for the app.
    pub fn render(&self, paint: &FirstPaint) -> String {
        let mut page = String::with_capacity(self.before.len() + self.after.len() + 4096);
        page.push_str(&self.before);
        draw(&mut page, paint.campaign);
        data_block(&mut page, FirstPaint::CAMPAIGN_ELEMENT, paint.campaign);
        if let Some(stock) = paint.stock {
            data_block(&mut page, FirstPaint::STOCK_ELEMENT, stock);
        }
        page.push_str(&self.after);
        page
    }
}

/// The first paint: the campaign's header, the location card's first words, each theme with
/// what its vouchers buy, and its tiers,
/// in the app's own classes so the page does not jump when the app takes over. Amounts need no
/// words: `¥10`, and `≥ ¥100` for the spend it needs.
fn draw(page: &mut String, campaign: &Campaign) {
    let _ = write!(
        page,
        r#"<article class="campaign"><header class="campaign-header"><p class="campaign-city">{}</p><h1>{}</h1></header>"#,
        both(&campaign.city),
        both(&campaign.name)
    );
    // Where the app's location card goes, with the words it starts with (core's, shared with the
    // app's catalogues); its button comes with the app.
    let location = |lang| text::location_not_asked(lang, campaign.city.get(lang));
    let _ = write!(
        page,
        r#"<section class="location"><h2>{}</h2><p>{}</p></section>"#,
        both_words(text::location_title(Lang::ZhHans), text::location_title(Lang::En)),
        both_words(&location(Lang::ZhHans), &location(Lang::En))
    );
    for theme in &campaign.themes {
        let _ = write!(
            page,
            r#"<section class="theme"><h2>{}</h2><p class="theme-scope">{}</p><ul class="tiers">"#,
            both(&theme.name),
            both(&theme.scope)
        );
        for tier in theme.tiers.iter().filter(|tier| tier.stock_per_release > 0) {
            let _ = write!(page, r#"<li class="tier-card"><p class="tier-discount">¥{}</p>"#, tier.discount);
            if tier.threshold > Fen::ZERO {
                let _ = write!(page, r#"<p class="tier-offer">≥ ¥{}</p>"#, tier.threshold);
            }
            page.push_str("</li>");
        }
        page.push_str("</ul></section>");
    }
    page.push_str("</article>");
    page.push_str("<noscript><p>请开启 JavaScript 以领取消费券。 Please enable JavaScript to claim vouchers.</p></noscript>");
}

/// Chinese, then English marked as such, both escaped.
fn both(text: &LocalizedText) -> String {
    both_words(&text.zh_hans, &text.en)
}

fn both_words(zh_hans: &str, en: &str) -> String {
    if zh_hans == en {
        return escape(zh_hans);
    }
    format!(r#"{} <span lang="en">{}</span>"#, escape(zh_hans), escape(en))
}

pub(crate) fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// `value` as JSON in a data block. Its JSON cannot end the `<script>` element or open a
/// comment: `<` is written `\u003c`, which JSON reads back as the same character.
fn data_block(page: &mut String, id: &str, value: &(impl serde::Serialize + ?Sized)) {
    if let Ok(json) = serde_json::to_string(value) {
        let _ = write!(page, r#"<script type="application/json" id="{id}">{}</script>"#, json.replace('<', "\\u003c"));
    }
}

/// The campaign page, painted. An unknown campaign gets the page as it is: the app says so.
pub(crate) async fn campaign_page(State(state): State<AppState>, UrlPath(id): UrlPath<String>) -> Response {
    let (Some(template), Some(campaign)) = (state.page_template.as_deref(), state.catalog.get(&id)) else {
        return plain_page(&state);
    };
    // Without a snapshot the app reads the stock itself, as it always could.
    let stock = state.ledger.stock(&id).await.ok();
    let paint = FirstPaint { campaign, stock: stock.as_deref() };
    // The stock in it is of this instant: never cached, only revalidated.
    ([(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"))], Html(template.render(&paint))).into_response()
}

fn plain_page(state: &AppState) -> Response {
    // Only routed when there is a template (see `Service::start`).
    match state.page_template.as_deref() {
        Some(template) => template.plain_page(),
        None => Html(String::new()).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<!doctype html><html><head><title>惠券</title></head><body><div aria-busy=true id=shell><header class=bar></header><main><h1>正在加载…</h1></main></div><script>boot()</script></body></html>"#;

    /// The text of the data block `id`.
    fn data<'a>(page: &'a str, id: &str) -> &'a str {
        let start = format!(r#"id="{id}">"#);
        page.split(start.as_str()).nth(1).and_then(|rest| rest.split("</script>").next()).expect("the data block")
    }

    fn campaign() -> Campaign {
        serde_json::from_str(include_str!("../../../data/campaigns/tianjin-2022-jinlegou.json")).expect("Tianjin's campaign")
    }

    #[test]
    fn the_shell_holds_the_campaign_and_the_same_data_for_the_app() {
        let template = PageTemplate::parse(PAGE).expect("a shell with a main");
        let campaign = campaign();
        let page = template.render(&FirstPaint { campaign: &campaign, stock: None });
        assert!(page.starts_with("<!doctype html>") && page.ends_with("<script>boot()</script></body></html>"));
        assert!(!page.contains("正在加载"), "the loading words are replaced");
        assert!(page.contains(&format!("<h1>{}", escape(&campaign.name.zh_hans))));
        for theme in &campaign.themes {
            assert!(page.contains(&format!(r#"<p class="theme-scope">{}"#, escape(&theme.scope.zh_hans))), "what {} buys", theme.id);
        }
        // The location card's first words, as the app's catalogue says them.
        assert!(page.contains(&text::location_not_asked(Lang::ZhHans, "天津市")), "{page}");
        let tiers: Vec<_> = campaign.themes.iter().flat_map(|theme| &theme.tiers).filter(|tier| tier.stock_per_release > 0).collect();
        assert_eq!(page.matches(r#"<li class="tier-card">"#).count(), tiers.len());
        for tier in tiers {
            assert!(page.contains(&format!("¥{}</p>", tier.discount)));
        }
        let read: Campaign = serde_json::from_str(data(&page, FirstPaint::CAMPAIGN_ELEMENT)).expect("JSON the app reads");
        assert_eq!(read, campaign);
        assert!(!page.contains(FirstPaint::STOCK_ELEMENT), "no stock block without a snapshot");
        let stock = vec![huiquan_core::api::OfferStock {
            offer: "a".into(),
            release_opens_ms: Some(1),
            stock: Some(10),
            left: Some(3),
            sold_out_at_ms: None,
            state: huiquan_core::TierState::CampaignOver,
        }];
        let page = template.render(&FirstPaint { campaign: &campaign, stock: Some(&stock) });
        let read: Vec<huiquan_core::api::OfferStock> = serde_json::from_str(data(&page, FirstPaint::STOCK_ELEMENT)).expect("stock");
        assert_eq!(read, stock);
    }

    // Guards against a campaign's text closing the page's script or markup early.
    #[test]
    fn text_from_a_campaign_cannot_break_out_of_the_page() {
        let template = PageTemplate::parse(PAGE).expect("a shell with a main");
        let mut campaign = campaign();
        campaign.name = LocalizedText { zh_hans: "</script><script>alert(1)</script>".into(), en: "<!-- & \"x\"".into() };
        let page = template.render(&FirstPaint { campaign: &campaign, stock: None });
        assert_eq!(page.matches("<script").count(), 2, "only the data block and the template's script");
        assert!(!page.contains("<!--"));
        let read: Campaign = serde_json::from_str(data(&page, FirstPaint::CAMPAIGN_ELEMENT)).expect("JSON");
        assert_eq!(read.name, campaign.name);
    }

    #[test]
    fn a_page_without_a_shell_is_not_a_template() {
        assert!(PageTemplate::parse("<html><body><main></main></body></html>").is_none());
        assert!(PageTemplate::parse("<div id=shell><main>").is_none());
        assert!(PageTemplate::parse(r#"<div id="shell"><main></main></div>"#).is_some());
    }
}
