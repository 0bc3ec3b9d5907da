//! Who is signed in on this device: signing out, and the question a partner link asks when it
//! arrives while someone is already signed in.

use leptos::{prelude::*, wasm_split::SplitLoaderError};

use super::When;
use crate::{
    clock::use_server_clock,
    i18n::{Messages, use_i18n},
    scoped::spawn_scoped,
    session::{PartnerSwitch, SignedInAs, partner_sign_in, use_session},
};

/// "手机号 138****8000", "来自京东的账号", or the account number when nothing else is known.
pub fn signed_in_as_words(t: &Messages, signed_in_as: Option<&SignedInAs>, resident: i64) -> String {
    match signed_in_as {
        Some(SignedInAs::Phone { masked }) => (t.signed_in_as_phone)(masked),
        Some(SignedInAs::Partner { partner, .. }) => (t.signed_in_as_partner)(&(t.partner_name)(partner)),
        None => (t.signed_in_as_account)(resident),
    }
}

/// Signs out (shown while a session, even an expired one, is kept on the device): ends the
/// session on the service and removes it, the kept wallet and claim attempts from the device.
#[component]
pub fn SignOut() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let clock = use_server_clock();
    let busy = RwSignal::new(false);
    let done = RwSignal::new(false);
    let label = move || {
        session
            .resident()
            .map(|resident| (i18n.t().sign_out_label)(&signed_in_as_words(i18n.t(), session.signed_in_as().as_ref(), resident)))
    };
    let sign_out = move |_| {
        busy.set(true);
        spawn_scoped(async move {
            session.sign_out(clock.now_ms()).await;
            busy.try_set(false);
            done.try_set(true);
        });
    };
    view! {
        <When when=move || session.resident().is_some()>
            <button
                type="button"
                class="sign-out"
                data-testid="sign-out"
                aria-label=label
                aria-busy=move || busy.get().to_string()
                disabled=move || busy.get()
                on:click=sign_out
            >
                {move || i18n.t().sign_out}
            </button>
        </When>
        // Outside the button's `When`: still there to be read once the button has gone.
        <p class="visually-hidden" role="status">{move || (done.get() && session.resident().is_none()).then(|| i18n.t().signed_out)}</p>
    }
}

/// Where the question below goes: drawn once a partner link has arrived while someone else was
/// signed in, and kept after it is answered, so its outcome can still be read. The question is a
/// wasm module of its own in the size build (`partner_switch_question` is a split point), fetched
/// the first time it is asked: most partner links sign in at once, with no one to replace. A
/// module that cannot be fetched says so, with a retry that fetches it again.
#[component]
pub fn PartnerSwitchArea(pending: RwSignal<Option<PartnerSwitch>>) -> impl IntoView {
    let asked = Memo::new(move |asked: Option<&bool>| asked.copied().unwrap_or(false) || pending.with(Option::is_some));
    let attempt = RwSignal::new(0_u32);
    view! {
        {
            move || {
                attempt.track();
                asked.get().then(|| {
                    Suspend::new(async move {
                        partner_switch_question(pending).await.unwrap_or_else(|_| {
                            let error = crate::api::ApiError::Network;
                            let on_retry = move || attempt.update(|attempt| *attempt += 1);
                            view! { <div data-testid="partner-switch-unavailable"><super::ErrorView error on_retry /></div> }.into_any()
                        })
                    })
                    .into_any()
                })
            }
        }
    }
}

#[cfg(huiquan_split)]
#[leptos::wasm_split::wasm_split(partner_switch, wasm_split_path = ::leptos::wasm_split, fallible)]
fn partner_switch_question(pending: RwSignal<Option<PartnerSwitch>>) -> Result<AnyView, SplitLoaderError> {
    Ok(view! { <PartnerSwitchPrompt pending /> }.into_any())
}

#[cfg(not(huiquan_split))]
async fn partner_switch_question(pending: RwSignal<Option<PartnerSwitch>>) -> Result<AnyView, SplitLoaderError> {
    Ok(view! { <PartnerSwitchPrompt pending /> }.into_any())
}

/// Asks whether to switch to the account of a partner link that arrived while someone else was
/// signed in. Switch signs in with the link's token; Keep drops the token.
#[component]
pub fn PartnerSwitchPrompt(pending: RwSignal<Option<PartnerSwitch>>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let busy = RwSignal::new(false);
    // The outcome, said after the question has gone.
    let outcome = RwSignal::new(None::<String>);
    let current = move || {
        let t = i18n.t();
        session.resident().map(|resident| signed_in_as_words(t, session.signed_in_as().as_ref(), resident)).unwrap_or_default()
    };
    let partner =
        move || pending.with(|pending| pending.as_ref().map(|switch| (i18n.t().partner_name)(&switch.claims.partner))).unwrap_or_default();
    let question = move || (i18n.t().partner_switch_question)(&current(), &partner());
    let switch = move |_| {
        let Some(PartnerSwitch { token, claims }) = pending.get_untracked() else { return };
        busy.set(true);
        spawn_scoped(async move {
            let partner = claims.partner.clone();
            let result = partner_sign_in(session, &token, Some(claims)).await;
            let t = i18n.t();
            let words = match result {
                Ok(()) => (t.partner_switch_done)(&(t.partner_name)(&partner)),
                Err(_) => (t.partner_switch_failed)(&(t.partner_name)(&partner), &current()),
            };
            outcome.try_set(Some(words));
            busy.try_set(false);
            // Used or refused, the token is dropped either way.
            pending.try_set(None);
        });
    };
    let keep = move |_| pending.set(None);
    view! {
        <When when=move || pending.with(Option::is_some)>
            <section class="partner-switch" aria-labelledby="partner-switch-question" data-testid="partner-switch">
                <p id="partner-switch-question" role="alert">{question}</p>
                <div class="partner-switch-actions">
                    <button type="button" class="button" disabled=move || busy.get() on:click=switch>{move || i18n.t().partner_switch}</button>
                    <button type="button" class="button secondary" disabled=move || busy.get() on:click=keep>{move || i18n.t().partner_keep}</button>
                </div>
            </section>
        </When>
        <p class="partner-switch-outcome" role="status" data-testid="partner-switch-outcome">{move || outcome.get()}</p>
    }
}
