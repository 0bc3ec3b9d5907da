//! Signing in with a mobile number and a one-time code (in demo mode the service writes the code
//! to its log). A partner app's webview signs in with its token instead (`#partner_token=`).

use leptos::prelude::*;

use super::When;
use crate::{
    api::{self, ApiError},
    clock::use_server_clock,
    i18n::use_i18n,
    scoped::spawn_scoped,
    session::{SignedInAs, device_id, masked_phone, use_session},
};

/// Mainland mobile numbers as typed, read by the same rule as the service's (11 digits starting
/// with 1; spaces, dashes, `+86` allowed).
pub fn normalized_phone(input: &str) -> Option<String> {
    huiquan_core::identity::phone_digits(input.trim())
}

#[component]
pub fn SignIn() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let clock = use_server_clock();
    let phone = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let message = RwSignal::new(None::<&'static str>);
    let busy = RwSignal::new(false);

    let send_code = move |_| {
        let Some(number) = normalized_phone(&phone.get_untracked()) else {
            message.set(Some(i18n.t().sign_in_bad_phone));
            return;
        };
        busy.set(true);
        spawn_scoped(async move {
            let result = api::send_code(&number).await;
            busy.set(false);
            message.set(Some(match result {
                Ok(_) => i18n.t().sign_in_code_sent,
                Err(ApiError::Refused { status: 429, .. }) => i18n.t().failed_rate_limited,
                Err(ApiError::Network) => i18n.t().error_network,
                Err(_) => i18n.t().error_server,
            }));
        });
    };
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let Some(number) = normalized_phone(&phone.get_untracked()) else {
            message.set(Some(i18n.t().sign_in_bad_phone));
            return;
        };
        let typed = code.get_untracked().trim().to_owned();
        busy.set(true);
        spawn_scoped(async move {
            let result = api::sign_in(&number, &typed, &device_id()).await;
            busy.set(false);
            match result {
                Ok(signed_in) => {
                    session.set(signed_in, Some(SignedInAs::Phone { masked: masked_phone(&number) }));
                    message.set(Some(i18n.t().sign_in_done));
                }
                Err(ApiError::Refused { status: 401 | 422, .. }) => message.set(Some(i18n.t().sign_in_wrong_code)),
                Err(ApiError::Refused { status: 429, .. }) => message.set(Some(i18n.t().failed_rate_limited)),
                Err(ApiError::Network) => message.set(Some(i18n.t().error_network)),
                Err(_) => message.set(Some(i18n.t().error_server)),
            }
        });
    };
    let signed_in = move || session.is_signed_in(clock.now_ms());
    view! {
        <section class="sign-in" aria-labelledby="sign-in-title" data-testid="sign-in">
            <h2 id="sign-in-title">{move || i18n.t().sign_in_title}</h2>
            <When
                when=move || !signed_in()
                fallback=move || view! { <p role="status">{move || i18n.t().sign_in_done}</p> }
            >
                <form on:submit=submit>
                    <label for="sign-in-phone">{move || i18n.t().sign_in_phone}</label>
                    <input id="sign-in-phone" type="tel" inputmode="numeric" autocomplete="tel" bind:value=phone />
                    <button type="button" class="button secondary" disabled=move || busy.get() on:click=send_code>
                        {move || i18n.t().sign_in_send_code}
                    </button>
                    <label for="sign-in-code">{move || i18n.t().sign_in_code}</label>
                    <input id="sign-in-code" type="text" inputmode="numeric" autocomplete="one-time-code" bind:value=code />
                    <button type="submit" class="button" disabled=move || busy.get()>{move || i18n.t().sign_in_submit}</button>
                </form>
                <p role="status" aria-live="polite">{move || message.get()}</p>
            </When>
        </section>
    }
}
