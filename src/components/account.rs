//! Who is signed in on this device, and signing out.

use leptos::prelude::*;

use crate::{
    clock::use_server_clock,
    i18n::{Messages, use_i18n},
    scoped::spawn_scoped,
    session::{SignedInAs, use_session},
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
        <Show when=move || session.resident().is_some()>
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
        </Show>
        // Outside the button's `Show`: still there to be read once the button has gone.
        <p class="visually-hidden" role="status">{move || (done.get() && session.resident().is_none()).then(|| i18n.t().signed_out)}</p>
    }
}
