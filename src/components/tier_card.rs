use huiquan_core::{Fen, Scope, ThresholdBasis, Tier};
use leptos::prelude::*;

use crate::i18n::use_i18n;

/// One voucher tier (满T减D): what it gives, on what, and how many are released.
#[component]
pub fn TierCard(
    tier: Tier,
    /// What goes below the offer: its live state and the claim button, on the campaign page.
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let i18n = use_i18n();
    let threshold = tier.threshold.to_string();
    let discount = tier.discount.to_string();
    let stock = tier.stock_per_release;
    let no_threshold = tier.threshold == Fen::ZERO;

    let offer = {
        let (threshold, discount) = (threshold.clone(), discount.clone());
        move || {
            let t = i18n.t();
            if no_threshold { (t.tier_offer_no_threshold)(&discount) } else { (t.tier_offer)(&threshold, &discount) }
        }
    };
    let single_item = (tier.basis == ThresholdBasis::SingleItem).then(|| {
        let threshold = threshold.clone();
        view! { <p class="tier-note">{move || (i18n.t().tier_single_item)(&threshold)}</p> }
    });
    let only_for = match tier.scope {
        Scope::Theme => None,
        Scope::ProductCategory { name, .. } => Some(view! {
            <p class="tier-note tier-scope">{move || (i18n.t().tier_only_for)(name.get(i18n.lang()))}</p>
        }),
        // The theme's scope text names the merchants; the claim page lists them (issue 4).
        Scope::MerchantCategories { .. } => None,
    };
    view! {
        <li class="tier-card" data-tier=tier.id>
            <p class="tier-discount" aria-hidden="true">{format!("¥{discount}")}</p>
            <h3 class="tier-offer">{offer}</h3>
            {single_item}
            {only_for}
            // Tiers handed out only in packs have no stock of their own.
            {(stock > 0).then(|| view! { <p class="tier-stock">{move || (i18n.t().tier_stock)(stock)}</p> })}
            {children.map(|children| children())}
        </li>
    }
}
