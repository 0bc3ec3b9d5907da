use leptos::prelude::*;

use crate::{
    components::SignOut,
    elder::ElderSwitch,
    host::{HostKind, use_host},
    i18n::{Language, use_i18n},
};

/// The bar at the top of every page: the app's name, the wallet, the language and elder-mode
/// switches and, while someone is signed in, signing out.
#[component]
pub fn Header() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <a class="skip-link" href="#content">{move || i18n.t().skip_to_content}</a>
        <header class="bar">
            <HostBack />
            <a class="bar-title" href="./">{move || i18n.t().app_name}</a>
            <nav class="bar-links">
                <a class="bar-link" href="wallet">{move || i18n.t().wallet_link}</a>
                <LanguageSwitch />
                <ElderSwitch />
                <SignOut />
            </nav>
        </header>
    }
}

/// Chooses Simplified Chinese, Traditional Chinese or English; the choice is remembered on the
/// device. Each language is named in itself (and marked with `lang`, so screen readers say it
/// right), so a resident who cannot read the current one still finds theirs.
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let choose = move |event| {
        i18n.set_language(match event_target_value(&event).as_str() {
            "zh-Hant" => Language::ZhHant,
            "en" => Language::En,
            _ => Language::ZhHans,
        })
    };
    let option = move |language: Language, name: &'static str| {
        view! { <option value=language.tag() lang=language.tag() selected=move || i18n.language() == language>{name}</option> }
    };
    view! {
        <select class="language-switch" aria-label=move || i18n.t().switch_language_label on:change=choose>
            {option(Language::ZhHans, "简体中文")}
            {option(Language::ZhHant, "繁體中文")}
            {option(Language::En, "English")}
        </select>
    }
}

/// Inside a host app, a back button: back through the app's own pages, to its first page when
/// it was opened deeper, and from there back to the host (which closes the page or goes back).
/// Each of the app's history entries carries its depth in the app (`history.state`), so the
/// browser's own back and forward keep the count right.
#[component]
fn HostBack() -> impl IntoView {
    let i18n = use_i18n();
    let host = use_host().filter(|host| host.kind != HostKind::Browser)?;
    let address = crate::router::use_address();
    let depth = StoredValue::new(-1.0);
    let key = wasm_bindgen::JsValue::from_str("huiquanDepth");
    Effect::new(move |_| {
        address.path.track();
        let Ok(history) = window().history() else { return };
        let stamped = history.state().ok().and_then(|state| js_sys::Reflect::get(&state, &key).ok()).and_then(|depth| depth.as_f64());
        let here = stamped.unwrap_or(depth.get_value() + 1.0);
        depth.set_value(here);
        let state = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&state, &key, &here.into());
        let _ = history.replace_state(&state, "");
    });
    let back = move |_| {
        // The address's own path: the app's first page is the path it is served under.
        if window().location().pathname().unwrap_or_default().trim_end_matches('/') == crate::served_under() {
            host.close();
        } else if depth.get_value() > 0.0 {
            let _ = window().history().and_then(|history| history.back());
        } else {
            let _ = window().location().assign("./");
        }
    };
    Some(
        view! {
            <button class="host-back" type="button" on:click=back>{move || i18n.t().back}</button>
        }
        .into_any(),
    )
}

/// Inside a host app, the page's foot says which: "在支付宝中打开".
#[component]
pub fn HostFooter() -> impl IntoView {
    let i18n = use_i18n();
    let host = use_host().filter(|host| host.kind != HostKind::Browser)?;
    let name = move || {
        let t = i18n.t();
        let name = match host.kind {
            HostKind::Alipay | HostKind::AlipayMiniProgram => t.host_alipay,
            HostKind::WeChatMiniProgram => t.host_wechat,
            HostKind::Frame => t.host_web,
            HostKind::WeChat => t.host_wechat_browser,
            HostKind::UnionPay => t.host_unionpay,
            _ => t.host_app,
        };
        (t.opened_in)(name)
    };
    Some(view! { <footer class="host-footer">{move || name()}</footer> }.into_any())
}
