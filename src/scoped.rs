//! Nothing a page opens outlives it.
//!
//! A browser keeps six connections per host: an event stream or a request left running by a page
//! the resident has left holds one of them, and a few visits later every call of the app waits
//! for ever. So every task the app starts is tied to the reactive owner it was started under (the
//! component, or the resource, that needs it): when that owner is cleaned up the task is dropped
//! on the spot, and with it everything it holds. Dropping is what closes: an
//! [`EventSource`](gloo_net::eventsource::futures::EventSource) closes when dropped, an API call
//! aborts its `fetch` when dropped (`api.rs`), and [`sleep_ms`] clears its timer when dropped.

use std::future::Future;

use futures_util::future::{AbortHandle, Abortable};
use leptos::prelude::*;

/// `task`, dropped as soon as the reactive owner current now is cleaned up. Once dropped it never
/// completes (nobody is left to read its answer).
///
/// Call it where the owner is the one the task belongs to: in a component's body, an effect, an
/// event handler of the component's view, or a resource's fetcher (which runs under the
/// resource's own owner, cleaned up before each new fetch and when the page goes).
pub fn until_cleanup<F: Future>(task: F) -> impl Future<Output = F::Output> {
    let (abort, registration) = AbortHandle::new_pair();
    // Aborting wakes the task, which then drops the future it wraps at once.
    on_cleanup(move || abort.abort());
    async move {
        match Abortable::new(task, registration).await {
            Ok(output) => output,
            Err(_aborted) => std::future::pending().await,
        }
    }
}

/// Runs `task` until it ends or until the reactive owner current now is cleaned up.
pub fn spawn_scoped(task: impl Future<Output = ()> + 'static) {
    leptos::task::spawn_local(until_cleanup(task));
}

/// Runs `task` under `owner` (captured in a component's body), for callbacks that run outside the
/// reactive tree (an animation frame, a timer); without an owner it runs unscoped.
pub fn spawn_owned(owner: Option<&Owner>, task: impl Future<Output = ()> + 'static) {
    match owner {
        Some(owner) => owner.with(|| spawn_scoped(task)),
        None => leptos::task::spawn_local(task),
    }
}

/// A browser timer, cleared when dropped (`TimeoutHandle` cannot be made from an id).
struct Timer(Option<i32>);

impl Drop for Timer {
    fn drop(&mut self) {
        if let Some(id) = self.0.take() {
            window().clear_timeout_with_handle(id);
        }
    }
}

/// Resolves after `ms` milliseconds (between zero and ten minutes); dropped before then, its timer
/// is cleared.
pub async fn sleep_ms(ms: f64) {
    let mut timer = Timer(None);
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        timer.0 = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms.clamp(0.0, 600_000.0) as i32).ok();
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    // Fired: nothing left to clear.
    timer.0 = None;
}
