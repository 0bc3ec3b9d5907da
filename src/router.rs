//! The app's pages by address: which page the address names, and moving between pages without
//! reloading. Four pages need no more than this: the address's path below the page's base (the
//! path a partner's gateway serves the app under, `<base href>`), its query, and the links of
//! the app's own pages followed in place (the browser's history kept as the browser keeps it).

use leptos::{ev, prelude::*};
use wasm_bindgen::JsCast;

/// Where the app is: the path below its base (`/`, `/campaigns/tianjin`) and the query.
#[derive(Clone, Copy)]
pub struct Address {
    /// The path below the base, always starting with `/`.
    pub path: ReadSignal<String>,
    /// The query without its `?`.
    pub query: ReadSignal<String>,
    /// The page the path names, changed only when the page does (not with the query).
    pub page: Memo<Page>,
}

impl Address {
    /// One value of the query, decoded (`?for=12` → `Some("12")`); tracked.
    pub fn query_value(&self, name: &str) -> Option<String> {
        self.query.with(|query| {
            let params = web_sys::UrlSearchParams::new_with_str(query).ok()?;
            params.get(name)
        })
    }
}

/// The page an address names.
#[derive(Clone, PartialEq, Debug)]
pub enum Page {
    Home,
    Campaign(String),
    Wallet,
    Voucher(String),
    NotFound,
}

impl Page {
    /// The page of a path below the base (a trailing slash names the same page).
    pub fn of(path: &str) -> Self {
        let path = path.trim_end_matches('/');
        let mut parts = path.split('/').skip(1);
        match (parts.next(), parts.next(), parts.next()) {
            (None | Some(""), None, None) => Self::Home,
            (Some("campaigns"), Some(id), None) if !id.is_empty() => Self::Campaign(decoded(id)),
            (Some("wallet"), None, None) => Self::Wallet,
            (Some("wallet"), Some(id), None) if !id.is_empty() => Self::Voucher(decoded(id)),
            _ => Self::NotFound,
        }
    }
}

fn decoded(segment: &str) -> String {
    js_sys::decode_uri_component(segment).map(String::from).unwrap_or_else(|_| segment.to_owned())
}

/// The address of the app, kept up to date through the app's links and the browser's back and
/// forward. Provided once, by the frame.
pub fn provide_address() -> Address {
    let base = crate::served_under();
    let (path, set_path) = signal(String::new());
    let (query, set_query) = signal(String::new());
    let read = {
        let base = base.clone();
        move || {
            let location = window().location();
            let full = location.pathname().unwrap_or_default();
            let below = full.strip_prefix(&base).unwrap_or(&full);
            set_path.set(if below.starts_with('/') { below.to_owned() } else { format!("/{below}") });
            set_query.set(location.search().unwrap_or_default().trim_start_matches('?').to_owned());
        }
    };
    read();
    let on_pop = window_event_listener(ev::popstate, {
        let read = read.clone();
        move |_| read()
    });
    let on_click = window_event_listener(ev::click, move |event| match followed_in_place(&event, &base) {
        Some(Follow::Page(href)) => {
            event.prevent_default();
            if let Ok(history) = window().history() {
                let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&href));
            }
            read();
            // As a page load would: a screen reader starts reading the new page, not where the
            // link was, and the page shows from its top.
            focus_on("content");
            window().scroll_to_with_x_and_y(0.0, 0.0);
        }
        // The browser would resolve `#content` against `<base href>`, i.e. leave for the first
        // page: a place on this page is reached here (the skip link).
        Some(Follow::Place(id)) => {
            event.prevent_default();
            if let Some(place) = focus_on(&id) {
                place.scroll_into_view();
            }
        }
        None => {}
    });
    on_cleanup(move || {
        on_pop.remove();
        on_click.remove();
    });
    let address = Address { path, query, page: Memo::new(move |_| Page::of(&path.read())) };
    provide_context(address);
    address
}

/// Moves the keyboard's and the screen reader's place to the element `id` (focusable: `main`
/// has `tabindex="-1"`).
fn focus_on(id: &str) -> Option<web_sys::Element> {
    let place = document().get_element_by_id(id)?;
    let _ = place.clone().dyn_into::<web_sys::HtmlElement>().ok()?.focus();
    Some(place)
}

/// The address of the app (see [`provide_address`]).
pub fn use_address() -> Address {
    expect_context()
}

/// Where a click on a link of the app's own goes, when the app follows it in place.
enum Follow {
    /// Another page of the app, by its full address.
    Page(String),
    /// A place on this page, by its element's id (`href="#content"`).
    Place(String),
}

/// A plain click (no modifier, main button) on a link without `target`, `download` or
/// `rel="external"` is followed in place when it goes to this origin under the base, or to a
/// place on this page.
fn followed_in_place(event: &ev::MouseEvent, base: &str) -> Option<Follow> {
    if event.default_prevented() || event.button() != 0 || event.meta_key() || event.alt_key() || event.ctrl_key() || event.shift_key() {
        return None;
    }
    let path = event.composed_path();
    let link = (0..path.length()).find_map(|i| path.get(i).dyn_into::<web_sys::HtmlAnchorElement>().ok())?;
    let external = link.get_attribute("rel").is_some_and(|rel| rel.split_ascii_whitespace().any(|word| word == "external"));
    if !link.target().is_empty() || link.has_attribute("download") || external {
        return None;
    }
    if let Some(place) = link.get_attribute("href").as_deref().and_then(|href| href.strip_prefix('#')) {
        return Some(Follow::Place(place.to_owned()));
    }
    let location = window().location();
    if link.origin() != location.origin().ok()? || !link.pathname().starts_with(base) {
        return None;
    }
    Some(Follow::Page(link.href()))
}

#[cfg(test)]
mod tests {
    use super::Page;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn each_path_names_its_page() {
        assert_eq!(Page::of("/"), Page::Home);
        assert_eq!(Page::of(""), Page::Home);
        assert_eq!(Page::of("/campaigns/tianjin"), Page::Campaign("tianjin".into()));
        assert_eq!(Page::of("/campaigns/tianjin/"), Page::Campaign("tianjin".into()));
        assert_eq!(Page::of("/wallet"), Page::Wallet);
        assert_eq!(Page::of("/wallet/12"), Page::Voucher("12".into()));
        assert_eq!(Page::of("/campaigns/%E5%A4%A9%E6%B4%A5"), Page::Campaign("天津".into()));
        assert_eq!(Page::of("/campaigns"), Page::NotFound);
        assert_eq!(Page::of("/campaigns/a/b"), Page::NotFound);
        assert_eq!(Page::of("/elsewhere"), Page::NotFound);
    }
}
