//! A pack (券包): several vouchers claimed, and counted against stock and limits, as one.

use huiquan_core::{Fen, Pack, Theme};
use leptos::prelude::*;

use crate::i18n::use_i18n;

/// What a pack holds, e.g. "3 × ¥10 off (no minimum spend), 1 × …".
#[component]
pub fn PackCard(
    pack: Pack,
    /// The theme the pack belongs to: its tiers are what the pack holds.
    theme: Theme,
    /// Below the contents: the pack's live state and its claim button.
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let i18n = use_i18n();
    let value: i64 = pack
        .contents
        .iter()
        .filter_map(|item| theme.tiers.iter().find(|tier| tier.id == item.tier).map(|tier| tier.discount.0 * i64::from(item.count)))
        .sum();
    let items = pack.contents.clone();
    let tiers = theme.tiers.clone();
    let contents = move || {
        let t = i18n.t();
        items
            .iter()
            .filter_map(|item| {
                let tier = tiers.iter().find(|tier| tier.id == item.tier)?;
                let offer = if tier.threshold == Fen::ZERO {
                    (t.tier_offer_no_threshold)(&tier.discount.to_string())
                } else {
                    (t.tier_offer)(&tier.threshold.to_string(), &tier.discount.to_string())
                };
                Some(view! { <li>{(t.pack_item)(&offer, item.count)}</li> })
            })
            .collect_view()
    };
    let name = pack.name.clone();
    view! {
        <li class="tier-card pack-card" data-pack=pack.id>
            <p class="tier-discount" aria-hidden="true">{format!("¥{}", Fen(value))}</p>
            <h3 class="tier-offer">{move || name.get(i18n.lang()).to_owned()}</h3>
            <p class="tier-note">{move || i18n.t().pack_holds}</p>
            <ul class="pack-contents">{contents}</ul>
            <p class="tier-stock">{move || (i18n.t().pack_stock)(pack.stock_per_release)}</p>
            {children.map(|children| children())}
        </li>
    }
}
