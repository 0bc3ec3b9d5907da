//! What the service wrote into a campaign's page for the app to start from (see core's
//! `FirstPaint`): the campaign and a stock snapshot, so the first screen needs no round trip for
//! them. Each is taken at most once, and only for the campaign the page was made for; anything
//! later (another campaign, a retry) asks the service.

use std::cell::RefCell;

use huiquan_core::{
    Campaign,
    api::{FirstPaint, OfferStock},
};

/// The page's data, as far as it is not taken yet.
struct Boot {
    campaign_id: String,
    campaign: Option<Campaign>,
    stock: Option<Vec<OfferStock>>,
}

thread_local! {
    static BOOT: RefCell<Option<Boot>> = const { RefCell::new(None) };
}

/// The JSON text of the page's data block `id`.
fn data_block(id: &str) -> Option<String> {
    leptos::prelude::document().get_element_by_id(id)?.text_content()
}

/// Reads the page's data before the app replaces the static first paint that holds it.
pub fn read_from_page() {
    // The same decoders as the API's answers (`serde_json::from_str` of the same types), so
    // reading the page adds next to nothing to the download.
    let campaign = data_block(FirstPaint::CAMPAIGN_ELEMENT).and_then(|json| serde_json::from_str::<Campaign>(&json).ok());
    let boot = campaign.map(|campaign| Boot {
        campaign_id: campaign.id.clone(),
        campaign: Some(campaign),
        stock: data_block(FirstPaint::STOCK_ELEMENT).and_then(|json| serde_json::from_str::<Vec<OfferStock>>(&json).ok()),
    });
    BOOT.with(|cell| *cell.borrow_mut() = boot);
}

/// The campaign `id`, when the page was made for it and it was not taken yet.
pub fn take_campaign(id: &str) -> Option<Campaign> {
    BOOT.with(|cell| cell.borrow_mut().as_mut().filter(|boot| boot.campaign_id == id)?.campaign.take())
}

/// The stock of campaign `id` when the page was made, when not taken yet.
pub fn take_stock(id: &str) -> Option<Vec<OfferStock>> {
    BOOT.with(|cell| cell.borrow_mut().as_mut().filter(|boot| boot.campaign_id == id)?.stock.take())
}
