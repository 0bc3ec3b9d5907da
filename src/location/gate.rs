//! The location gate: the resident's position in plain words, and the one button that asks.

use huiquan_core::{LocalizedText, Verdict};
use leptos::prelude::*;

use super::LocationState;
use crate::i18n::{Messages, use_i18n};

/// Metres as a resident reads them: "约 800 米", "约 3.2 公里".
pub fn distance_words(t: &Messages, metres: f64) -> String {
    if metres < 1_000.0 {
        (t.distance_m)(((metres / 10.0).round() * 10.0).max(10.0) as u32)
    } else {
        // Tenths of a kilometre in integers: float formatting would link 10 KB of `core::fmt`.
        let tenths = (metres / 100.0).round() as u64;
        (t.distance_km)(&format!("{}.{}", tenths / 10, tenths % 10))
    }
}

/// The sentence for a state, in the resident's language.
pub fn location_words(t: &Messages, state: &LocationState, city: &str) -> String {
    match state {
        LocationState::NotAsked => (t.location_not_asked)(city),
        LocationState::Asking => t.location_asking.to_owned(),
        LocationState::Denied => (t.location_denied)(city),
        LocationState::Unavailable => t.location_unavailable.to_owned(),
        LocationState::TimedOut => t.location_timed_out.to_owned(),
        LocationState::Judged { verdict, .. } => match *verdict {
            Verdict::Inside { .. } => (t.location_inside)(city),
            Verdict::Outside { border_m } => (t.location_outside)(city, &distance_words(t, border_m)),
            Verdict::Uncertain { border_m, .. } => (t.location_uncertain)(city, &distance_words(t, border_m)),
            Verdict::TooInaccurate { accuracy_m, .. } => (t.location_inaccurate)(&distance_words(t, accuracy_m)),
        },
    }
}

/// Where the resident stands, and the button that asks. Announced politely when it changes.
#[component]
pub fn LocationGate(
    #[prop(into)] state: Signal<LocationState>,
    /// The city, as named in the sentences.
    city: LocalizedText,
    /// Called when the resident taps to share (or re-share) the position.
    #[prop(into)]
    on_ask: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let city_name = {
        let city = city.clone();
        move || city.get(i18n.lang()).to_owned()
    };
    let words = {
        let city_name = city_name.clone();
        move || state.with(|state| location_words(i18n.t(), state, &city_name()))
    };
    let kind = move || {
        state.with(|state| match state {
            LocationState::Judged { verdict: Verdict::Inside { .. }, .. } => "location inside",
            LocationState::Judged { verdict: Verdict::Outside { .. }, .. } | LocationState::Denied => "location refused",
            LocationState::NotAsked | LocationState::Asking => "location",
            _ => "location warning",
        })
    };
    let asking = move || state.with(|state| *state == LocationState::Asking);
    let button_text =
        move || state.with(|state| if *state == LocationState::NotAsked { i18n.t().location_ask } else { i18n.t().location_ask_again });
    let denied_help = move || {
        state.with(|state| *state == LocationState::Denied).then(|| {
            let t = i18n.t();
            view! {
                <ul class="location-help">
                    <li>{t.location_help_browser}</li>
                    <li>{t.location_help_phone}</li>
                    <li>{t.location_help_partner}</li>
                </ul>
            }
            .into_any()
        })
    };
    view! {
        <section class=kind aria-labelledby="location-title" data-testid="location-gate">
            <h2 id="location-title">{move || i18n.t().location_title}</h2>
            <p role="status" aria-live="polite" data-testid="location-words">{move || words()}</p>
            {move || denied_help()}
            <button
                type="button"
                class="button"
                aria-busy=move || asking().to_string()
                disabled=asking
                on:click=move |_| on_ask.run(())
            >
                {move || button_text()}
            </button>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::messages;
    use huiquan_core::text::Lang;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn distances_read_in_tens_of_metres_or_tenths_of_a_kilometre() {
        assert_eq!(distance_words(messages(Lang::ZhHans), 3.0), "约 10 米");
        assert_eq!(distance_words(messages(Lang::ZhHans), 994.0), "约 990 米");
        assert_eq!(distance_words(messages(Lang::ZhHans), 1_000.0), "约 1.0 公里");
        assert_eq!(distance_words(messages(Lang::ZhHans), 3_249.0), "约 3.2 公里");
        assert_eq!(distance_words(messages(Lang::En), 3_251.0), "about 3.3 km");
        assert_eq!(distance_words(messages(Lang::En), 12_960.0), "about 13.0 km");
    }
}
