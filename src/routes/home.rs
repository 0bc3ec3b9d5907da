//! The first page: the resident's city. With a single campaign on offer it is shown at once.

use leptos::prelude::*;

use crate::{
    api,
    components::ErrorView,
    fetched::Fetched,
    i18n::use_i18n,
    routes::{Loading, campaign::CampaignView},
};

#[component]
pub fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    let campaigns = Fetched::new(api::campaigns);

    // The answer read as it stands (no `Suspense`: nothing else on the page waits with it).
    view! {
        {
            move || match campaigns.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(error)) => view! { <ErrorView error on_retry=move || campaigns.refetch() /> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <p class="empty">{move || i18n.t().no_campaigns}</p>
                }
                .into_any(),
                Some(Ok(list)) if list.len() == 1 => view! { <CampaignView id=list[0].id.clone() /> }.into_any(),
                Some(Ok(list)) => view! {
                    <h1>{move || i18n.t().campaigns_title}</h1>
                    <ul class="campaign-list">
                        {list.into_iter().map(|campaign| {
                            let href = format!("campaigns/{}", campaign.id);
                            view! {
                                <li>
                                    <a class="campaign-link" href=href>
                                        <span class="campaign-city">{move || campaign.city.get(i18n.lang()).to_owned()}</span>
                                        <span class="campaign-name">{move || campaign.name.get(i18n.lang()).to_owned()}</span>
                                    </a>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }
                .into_any(),
            }
        }
    }
}
