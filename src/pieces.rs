//! A page's start in pieces, each built in a browser task of its own.
//!
//! Built at once, the app's start is one long task (about 250 ms on Lighthouse's slow phone) in
//! which the phone answers no tap and no scroll. Each [`Later`] piece is built in a task of its
//! own after the current one, pieces made in one task in the order they were made, so the start
//! becomes a dozen short tasks. Meanwhile the page's first paint (`#shell`: the campaign the
//! service drew, or a loading line) stays on screen and the app's nodes stay hidden behind it
//! (the style's `#shell ~ *`); the app takes its place once no piece is left to build and no
//! painted campaign is left to take (`boot`), so the resident never sees a page half built. What
//! else the first sight waits for holds a [`Pending`] too.

use std::cell::Cell;

use leptos::prelude::*;

use crate::scoped::{sleep_ms, spawn_scoped};

thread_local! {
    /// Pieces made and not yet built (or dropped).
    static PENDING: Cell<usize> = const { Cell::new(0) };
}

/// `children`, built in a browser task of its own after the current one; nothing is drawn in
/// their place until then.
#[component]
pub fn Later(children: Children) -> impl IntoView {
    let ready = RwSignal::new(false);
    spawn_scoped(async move {
        sleep_ms(0.0).await;
        ready.set(true);
    });
    let piece = std::sync::Mutex::new(Some((children, Pending::hold())));
    // Only `ready` is tracked (the piece is built untracked), so this runs twice: nothing, then
    // the piece. The piece's `Pending` goes once it is built, or when the piece is dropped unbuilt.
    view! {
        {
            move || -> Option<AnyView> {
                if !ready.get() {
                    return None;
                }
                let (children, _pending) = piece.lock().ok()?.take()?;
                Some(untrack(children))
            }
        }
    }
}

/// Something the app's first sight waits for: a piece not built yet, or the English catalogue a
/// reader of English waits for (`i18n`). The page's first paint stays until the last one goes.
pub struct Pending;

impl Pending {
    /// One more thing to wait for, until the value is dropped.
    pub fn hold() -> Self {
        PENDING.with(|pending| pending.set(pending.get() + 1));
        Self
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        let left = PENDING.with(|pending| {
            pending.set(pending.get().saturating_sub(1));
            pending.get()
        });
        if left == 0 && !crate::boot::campaign_waiting() {
            show_app();
        }
    }
}

/// Whether every piece made so far is built.
pub fn all_built() -> bool {
    PENDING.with(|pending| pending.get() == 0)
}

/// Removes the page's first paint (`#shell`), which shows the app's nodes behind it.
fn show_app() {
    if let Some(shell) = document().get_element_by_id("shell") {
        shell.remove();
    }
}
