//! A part of a page shown while a condition holds.

use leptos::prelude::*;

/// `children` while `when` is true, `fallback` otherwise: Leptos's `Show`, compiled once. `Show`
/// is generic over its condition and its children's type, so each use compiled its own copy of
/// the same code (docs/ARCHITECTURE.md, Size).
#[component]
pub fn When(
    /// Whether `children` are shown; they are built again only when it changes.
    #[prop(into)]
    when: Signal<bool>,
    children: ChildrenFn,
    /// What stands in their place meanwhile; nothing by default.
    #[prop(optional, into)]
    fallback: ViewFn,
) -> impl IntoView {
    let shown = Memo::new(move |_| when.get());
    view! { {move || if shown.get() { children() } else { fallback.run() }} }
}
