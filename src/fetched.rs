//! A page's fetch whose input never changes while the page is shown: started with the page,
//! started again on request, dropped with the page.
//!
//! The campaign page fetches its campaign (its id is the page's) and the home page the list of
//! campaigns (no input at all). `LocalResource` did both with the machinery of a derived async
//! signal (tracking its inputs, transitions, suspense), compiled once per answer type: 7 KB of
//! the first visit for two fetches that track nothing (docs/ARCHITECTURE.md, Size). A fetch that
//! reads signals is still a resource.

use std::{future::Future, pin::Pin};

use leptos::prelude::*;

use crate::scoped::spawn_owned;

type Fetch<T> = Box<dyn Fn() -> Pin<Box<dyn Future<Output = T>>>>;

struct Fetcher<T> {
    fetch: Fetch<T>,
    /// The page's owner: a fetch started again from a button (whose owner goes with the view
    /// that drew it) still belongs to the page, and is dropped with it.
    owner: Option<Owner>,
    /// How many fetches were started; only the latest may answer.
    started: u32,
}

/// The answer of a fetch, `None` until the first has come. A fetch started again keeps the last
/// answer until its own comes.
pub struct Fetched<T: Send + Sync + 'static> {
    answer: RwSignal<Option<T>>,
    fetcher: StoredValue<Fetcher<T>, LocalStorage>,
}

impl<T: Send + Sync + 'static> Clone for Fetched<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Fetched<T> {}

impl<T: Clone + Send + Sync + 'static> Fetched<T> {
    /// Starts `fetch` now, under the current owner (a component's body): dropped with it.
    pub fn new<F: Future<Output = T> + 'static>(fetch: impl Fn() -> F + 'static) -> Self {
        let fetch: Fetch<T> = Box::new(move || Box::pin(fetch()));
        let fetched = Fetched {
            answer: RwSignal::new(None),
            fetcher: StoredValue::new_local(Fetcher { fetch, owner: Owner::current(), started: 0 }),
        };
        fetched.refetch();
        fetched
    }

    /// The last answer, tracked.
    pub fn get(self) -> Option<T> {
        self.answer.get()
    }

    /// Fetches again; an earlier fetch still under way is not listened to any more. Nothing
    /// happens once the page has gone.
    pub fn refetch(self) {
        let Some((task, owner, started)) = self.fetcher.try_update_value(|fetcher| {
            fetcher.started = fetcher.started.wrapping_add(1);
            ((fetcher.fetch)(), fetcher.owner.clone(), fetcher.started)
        }) else {
            return;
        };
        let (answer, fetcher) = (self.answer, self.fetcher);
        spawn_owned(owner.as_ref(), async move {
            let value = task.await;
            if fetcher.try_with_value(|fetcher| fetcher.started) == Some(started) {
                answer.try_set(Some(value));
            }
        });
    }
}
