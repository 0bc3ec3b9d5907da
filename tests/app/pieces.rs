//! A page's start in pieces (`huiquan::pieces`): each `Later` piece is built in a browser task of
//! its own, and the page's first paint stays until the last one is built. Run in headless Chrome
//! and Firefox.

use huiquan::{CampaignDetails, CampaignView, i18n::I18nProvider, pieces::Later, scoped::sleep_ms};
use huiquan_core::{Campaign, Lang};
use leptos::{prelude::*, task::tick};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

/// Mounts `view` in a new element and returns it once the mount's own task has run its
/// microtasks, before any later task: what the browser has drawn when the first task ends.
async fn mount_first_task<V: IntoView + 'static>(view: impl FnOnce() -> V + Send + 'static) -> web_sys::HtmlElement {
    let container: web_sys::HtmlElement = document().create_element("div").expect("a div").unchecked_into();
    document().body().expect("a body").append_child(&container).expect("appended");
    leptos::mount::mount_to(container.clone(), view).forget();
    tick().await;
    container
}

async fn until_all_built() {
    for _ in 0..1_000 {
        if huiquan::pieces::all_built() {
            return;
        }
        sleep_ms(0.0).await;
    }
    panic!("pieces left unbuilt after a thousand tasks");
}

fn count(container: &web_sys::HtmlElement, selector: &str) -> u32 {
    container.query_selector_all(selector).expect("a selector").length()
}

#[wasm_bindgen_test]
async fn a_later_piece_is_built_in_a_task_after_the_mount() {
    let page = mount_first_task(|| {
        view! {
            <p class="now">"now"</p>
            <Later><p class="later">"later"</p></Later>
            <p class="after">"after"</p>
        }
    })
    .await;
    assert_eq!((count(&page, ".now"), count(&page, ".later"), count(&page, ".after")), (1, 0, 1));
    until_all_built().await;
    let order: Vec<String> =
        (0..page.children().length()).filter_map(|index| page.children().item(index)).map(|element| element.class_name()).collect();
    assert_eq!(order, ["now", "later", "after"], "a piece takes its own place, not the end");
}

#[wasm_bindgen_test]
async fn the_campaigns_offers_are_not_built_in_the_first_task() {
    // The claim page was built in one task of about 250 ms on Lighthouse's phone (TBT 190-250 ms).
    let tianjin = Campaign::from_json(include_str!("../../data/campaigns/tianjin-2022-jinlegou.json")).expect("valid");
    let page =
        mount_first_task(move || view! { <I18nProvider lang=Lang::ZhHans><CampaignDetails campaign=tianjin /></I18nProvider> }).await;
    assert_eq!(count(&page, "h1"), 1, "the campaign's name comes at once");
    assert_eq!(count(&page, "[data-tier]"), 0, "the offers wait for tasks of their own");
    until_all_built().await;
    assert_eq!(count(&page, "[data-tier]"), 12);
}

#[wasm_bindgen_test]
async fn the_first_paint_stays_until_the_last_piece_is_built() {
    // With the app in pieces, removing the painted page at the mount showed a page half built.
    let shell = document().create_element("div").expect("a div");
    shell.set_id("shell");
    document().body().expect("a body").prepend_with_node_1(&shell).expect("prepended");
    let page = mount_first_task(|| {
        view! {
            <Later><p class="first">"first"</p></Later>
            <Later><Later><p class="nested">"nested"</p></Later></Later>
        }
    })
    .await;
    assert!(document().get_element_by_id("shell").is_some(), "no piece is built yet");
    sleep_ms(0.0).await;
    assert_eq!(count(&page, ".first"), 1);
    assert!(document().get_element_by_id("shell").is_some(), "the nested piece is still to come");
    until_all_built().await;
    assert_eq!(count(&page, ".nested"), 1);
    assert!(document().get_element_by_id("shell").is_none(), "the app shows itself once built");
}

#[wasm_bindgen_test]
async fn a_campaign_that_cannot_be_read_shows_its_error_in_place_of_the_first_paint() {
    // A painted campaign that could not be read, with the service unreachable, left the first
    // paint on screen for good: no error, no retry (nothing was left to build when it failed).
    let shell = document().create_element("div").expect("a div");
    shell.set_id("shell");
    document().body().expect("a body").prepend_with_node_1(&shell).expect("prepended");
    let page =
        mount_first_task(|| view! { <I18nProvider lang=Lang::ZhHans><CampaignView id="no-such-campaign".to_owned() /></I18nProvider> })
            .await;
    for _ in 0..200 {
        if count(&page, "[role=alert]") > 0 {
            break;
        }
        sleep_ms(10.0).await;
    }
    assert_eq!(count(&page, "[role=alert] button"), 1, "the error, with a retry");
    assert!(document().get_element_by_id("shell").is_none(), "in place of the first paint");
}
