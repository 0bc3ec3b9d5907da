//! 代领 on the claim page: claiming for a linked relative. The carer chooses the relative on their
//! wallet page (`routes/family.rs`, in the module the claim page does not download); the choice is
//! kept for this tab, so a reload keeps it, and holds only for the carer who made it. While it
//! holds, the claim page claims for the relative, reads their history for the tiers' standing, and
//! says so above the offers with one tap back to claiming for oneself.

use leptos::prelude::*;

use crate::{i18n::use_i18n, session::use_session};

const STORAGE_KEY: &str = "huiquan.claiming-for";

/// A relative chosen to claim for: by whom, for whom, and their phone as the link shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Relative {
    pub carer: i64,
    pub resident: i64,
    pub hint: String,
}

/// The relative the app claims for, if any (provided by the app).
#[derive(Clone, Copy)]
pub struct ClaimingFor(RwSignal<Option<Relative>>);

fn storage() -> Option<web_sys::Storage> {
    window().session_storage().ok().flatten()
}

/// Kept as `carer:resident:hint` (the hint has no colon before its end): no serialiser needed.
fn read_kept() -> Option<Relative> {
    let text = storage()?.get_item(STORAGE_KEY).ok().flatten()?;
    let mut parts = text.splitn(3, ':');
    Some(Relative { carer: parts.next()?.parse().ok()?, resident: parts.next()?.parse().ok()?, hint: parts.next()?.to_owned() })
}

/// Provides the choice, as kept for this tab.
pub fn provide_claiming_for() -> ClaimingFor {
    let claiming_for = ClaimingFor(RwSignal::new(read_kept()));
    provide_context(claiming_for);
    claiming_for
}

pub fn use_claiming_for() -> ClaimingFor {
    use_context::<ClaimingFor>().unwrap_or_else(provide_claiming_for)
}

impl ClaimingFor {
    /// The relative to claim for while `resident` is signed in (tracked): never another carer's.
    pub fn relative(&self, resident: Option<i64>) -> Option<Relative> {
        self.0.get().filter(|relative| Some(relative.carer) == resident)
    }

    pub fn relative_untracked(&self, resident: Option<i64>) -> Option<Relative> {
        self.0.get_untracked().filter(|relative| Some(relative.carer) == resident)
    }

    /// Chooses a relative, or (`None`) oneself again.
    pub fn choose(&self, relative: Option<Relative>) {
        if let Some(storage) = storage() {
            let _ = match &relative {
                Some(Relative { carer, resident, hint }) => storage.set_item(STORAGE_KEY, &format!("{carer}:{resident}:{hint}")),
                None => storage.remove_item(STORAGE_KEY),
            };
        }
        self.0.set(relative);
    }
}

/// Above the offers while claiming for a relative: whom for, where the vouchers go, and the way
/// back to claiming for oneself.
#[component]
pub fn ClaimingForNote() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let claiming_for = use_claiming_for();
    view! {
        {
            move || {
                claiming_for.relative(session.resident()).map(|relative| {
                    view! {
                        <p class="note claiming-for" role="status" data-testid="claiming-for">
                            {move || (i18n.t().claiming_for)(&relative.hint)}" "
                            <button type="button" class="button secondary" on:click=move |_| claiming_for.choose(None)>
                                {move || i18n.t().claim_for_myself}
                            </button>
                        </p>
                    }
                    .into_any()
                })
            }
        }
    }
}
