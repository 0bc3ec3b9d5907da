//! What the service wrote into a campaign's page for the app to start from (see core's
//! `FirstPaint`): the campaign and a stock snapshot, so the first screen needs no round trip for
//! them. Each is taken at most once, and only for the campaign the page was made for; anything
//! later (another campaign, a retry) asks the service.

use std::cell::RefCell;

use huiquan_core::{
    Campaign,
    api::{FirstPaint, OfferStock},
};

/// The page's data, as far as it is not taken yet: JSON text, decoded when first asked for (so
/// that the decoding is not part of the app's first task).
#[derive(Default)]
struct Boot {
    campaign: Option<String>,
    /// The campaign's id once it was taken (the stock belongs to it).
    campaign_id: Option<String>,
    stock: Option<String>,
}

thread_local! {
    static BOOT: RefCell<Boot> = RefCell::new(Boot::default());
}

/// The JSON text of the page's data block `id`.
fn data_block(id: &str) -> Option<String> {
    leptos::prelude::document().get_element_by_id(id)?.text_content()
}

/// Reads the page's data before the app replaces the static first paint that holds it.
pub fn read_from_page() {
    let campaign = data_block(FirstPaint::CAMPAIGN_ELEMENT);
    let stock = campaign.as_ref().and_then(|_| data_block(FirstPaint::STOCK_ELEMENT));
    BOOT.with(|cell| *cell.borrow_mut() = Boot { campaign, campaign_id: None, stock });
}

/// The campaign `id`, when the page was made for it and it was not taken yet.
pub fn take_campaign(id: &str) -> Option<Campaign> {
    // The same decoders as the API's answers (`crate::json::from_str` of the same types), so
    // reading the page adds next to nothing to the download.
    let text = BOOT.with(|cell| cell.borrow_mut().campaign.take())?;
    let campaign = crate::json::from_str::<Campaign>(&text).ok().filter(|campaign| campaign.id == id)?;
    BOOT.with(|cell| cell.borrow_mut().campaign_id = Some(campaign.id.clone()));
    Some(campaign)
}

/// The stock of campaign `id` when the page was made, when not taken yet.
pub fn take_stock(id: &str) -> Option<Vec<OfferStock>> {
    let text = BOOT.with(|cell| {
        let mut boot = cell.borrow_mut();
        if boot.campaign_id.as_deref() == Some(id) { boot.stock.take() } else { None }
    })?;
    crate::json::from_str::<Vec<OfferStock>>(&text).ok()
}

/// Whether the page holds a campaign the service painted that the app has not taken yet (the app
/// shows itself once it has built that campaign's page, `pieces`).
pub fn campaign_waiting() -> bool {
    BOOT.with(|cell| cell.borrow().campaign.is_some())
}
