//! A pack (券包): several vouchers claimed, and counted against stock and limits, as one.

use huiquan_core::{Category, Fen, Pack, Scope, Tier};
use leptos::prelude::*;

use crate::{
    components::tier_card::{CardFigures, stock_line},
    i18n::use_i18n,
};

/// What a pack holds, e.g. "3 × ¥10 off (no minimum spend), 1 × …".
#[component]
pub fn PackCard(
    pack: Pack,
    /// The tiers of the pack's theme: what the pack holds.
    tiers: Vec<Tier>,
    /// The campaign's merchant categories, to say which voucher is only for fuel or dining.
    #[prop(optional)]
    categories: Vec<Category>,
    /// Which of its figures the notice does not give.
    #[prop(optional)]
    figures: CardFigures,
    /// Below the contents: the pack's live state and its claim button.
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let i18n = use_i18n();
    let value: i64 = pack
        .contents
        .iter()
        .filter_map(|item| tiers.iter().find(|tier| tier.id == item.tier).map(|tier| tier.discount.0 * i64::from(item.count)))
        .sum();
    let items = pack.contents.clone();
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
                // Jincheng's pack: 3 general, 1 for fuel, 1 for dining, which the card must say.
                let mut only_at = String::new();
                match &tier.scope {
                    Scope::MerchantCategories { categories: ids } => {
                        for category in categories.iter().filter(|category| ids.contains(&category.id)) {
                            if !only_at.is_empty() {
                                only_at.push_str(t.list_separator);
                            }
                            only_at.push_str(category.name.get(i18n.lang()));
                        }
                    }
                    Scope::ProductCategory { name, .. } => only_at.push_str(name.get(i18n.lang())),
                    Scope::Theme => {}
                }
                let offer = if only_at.is_empty() { offer } else { (t.pack_item_only_at)(&offer, &only_at) };
                Some(view! { <li>{(t.pack_item)(&offer, item.count)}</li> }.into_any())
            })
            .collect_view()
            .into_any()
    };
    let name = pack.name.clone();
    view! {
        <li class="tier-card pack-card" data-pack=pack.id>
            <p class="tier-discount" aria-hidden="true">{format!("¥{}", Fen(value))}</p>
            <h3 class="tier-offer">{move || name.get(i18n.lang()).to_owned()}</h3>
            <p class="tier-note">{move || i18n.t().pack_holds}</p>
            <ul class="pack-contents">{move || contents()}</ul>
            <p class="tier-stock">{move || stock_line(i18n.t(), figures, pack.stock_per_release, true)}</p>
            {children.map(|children| children())}
        </li>
    }
}
