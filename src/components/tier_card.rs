use huiquan_core::{Fen, Scope, ThresholdBasis, Tier};
use leptos::prelude::*;

use crate::i18n::{Messages, use_i18n};

/// How a card's figures are read (all off by default).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CardFigures {
    /// The stock per release is worked out from the notice, not given by it ("按公告推算").
    pub stock_assumed: bool,
    /// The threshold and discount are worked out from the notice.
    pub amounts_assumed: bool,
    /// Only the first round brings the stock shown; later rounds hand out what it left
    /// (Liaocheng), so no later round has that many.
    pub later_rounds_leftover: bool,
}

/// The stock line of a tier or pack card, with its marks.
pub fn stock_line(t: &Messages, figures: CardFigures, stock: u32, pack: bool) -> String {
    let count = if pack { (t.pack_stock)(stock) } else { (t.tier_stock)(stock) };
    let leftover = if figures.later_rounds_leftover { t.stock_then_leftover } else { "" };
    let assumed = if figures.stock_assumed { t.assumed_mark } else { "" };
    format!("{count}{leftover}{assumed}")
}

/// One voucher tier (满T减D): what it gives, on what, and how many are released.
#[component]
pub fn TierCard(
    tier: Tier,
    /// Which of its figures the notice does not give, and how its stock carries over.
    #[prop(optional)]
    figures: CardFigures,
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
            let offer = if no_threshold { (t.tier_offer_no_threshold)(&discount) } else { (t.tier_offer)(&threshold, &discount) };
            if figures.amounts_assumed { format!("{offer}{}", t.assumed_mark) } else { offer }
        }
    };
    let single_item = (tier.basis == ThresholdBasis::SingleItem).then(|| {
        let threshold = threshold.clone();
        view! { <p class="tier-note">{move || (i18n.t().tier_single_item)(&threshold)}</p> }.into_any()
    });
    let only_for = match tier.scope {
        Scope::Theme => None,
        Scope::ProductCategory { name, .. } => Some(
            view! {
                <p class="tier-note tier-scope">{move || (i18n.t().tier_only_for)(name.get(i18n.lang()))}</p>
            }
            .into_any(),
        ),
        // The theme's scope text names the merchants; the claim page lists them (issue 4).
        Scope::MerchantCategories { .. } => None,
    };
    view! {
        <li class="tier-card" data-tier=tier.id>
            <p class="tier-discount" aria-hidden="true">{format!("¥{discount}")}</p>
            <h3 class="tier-offer">{move || offer()}</h3>
            {single_item}
            {only_for}
            // Tiers handed out only in packs have no stock of their own.
            {(stock > 0).then(|| view! { <p class="tier-stock">{move || stock_line(i18n.t(), figures, stock, false)}</p> }.into_any())}
            {children.map(|children| children())}
        </li>
    }
}
