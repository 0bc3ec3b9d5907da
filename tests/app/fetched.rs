//! A page's fetch with nothing reactive in its input (`huiquan::fetched`): answered once, again
//! on request, only by the latest fetch, and never after the page has gone.

use std::{cell::Cell, rc::Rc};

use huiquan::{fetched::Fetched, scoped::sleep_ms};
use leptos::prelude::*;
use wasm_bindgen_test::*;

type Answer = std::pin::Pin<Box<dyn std::future::Future<Output = u32>>>;

/// A page's owner, with the browser's task queue as the executor (a mount sets it up).
async fn page() -> Owner {
    crate::support::mount(|| ()).await;
    Owner::new()
}

/// A fetch that answers with how many fetches were started, after `wait_ms(that number)`.
fn counting(wait_ms: fn(u32) -> f64) -> (Rc<Cell<u32>>, impl Fn() -> Answer) {
    let started = Rc::new(Cell::new(0));
    let counter = Rc::clone(&started);
    let fetch = move || {
        counter.set(counter.get() + 1);
        let number = counter.get();
        Box::pin(async move {
            sleep_ms(wait_ms(number)).await;
            number
        }) as Answer
    };
    (started, fetch)
}

#[wasm_bindgen_test]
async fn a_fetch_starts_at_once_and_again_on_request_keeping_its_answer_meanwhile() {
    let owner = page().await;
    let (started, fetch) = counting(|_| 10.0);
    let fetched = owner.with(|| Fetched::new(fetch));
    assert_eq!((started.get(), fetched.get()), (1, None), "started with the page, no answer yet");
    sleep_ms(30.0).await;
    assert_eq!(fetched.get(), Some(1));
    fetched.refetch();
    assert_eq!((started.get(), fetched.get()), (2, Some(1)), "the last answer stays until the new one comes");
    sleep_ms(30.0).await;
    assert_eq!(fetched.get(), Some(2));
}

#[wasm_bindgen_test]
async fn only_the_latest_fetch_answers() {
    // A slow first answer arriving after a retry's must not replace it.
    let owner = page().await;
    let (_, fetch) = counting(|number| if number == 1 { 60.0 } else { 0.0 });
    let fetched = owner.with(|| Fetched::new(fetch));
    fetched.refetch();
    sleep_ms(20.0).await;
    assert_eq!(fetched.get(), Some(2));
    sleep_ms(80.0).await;
    assert_eq!(fetched.get(), Some(2), "the first fetch's late answer is not listened to");
}

#[wasm_bindgen_test]
async fn a_fetch_goes_with_its_page() {
    // A request left running by a page the resident has left holds one of six connections.
    struct Dropped(Rc<Cell<bool>>);
    impl Drop for Dropped {
        fn drop(&mut self) {
            self.0.set(true);
        }
    }
    let owner = page().await;
    let dropped = Rc::new(Cell::new(false));
    let (flag, answered) = (Rc::clone(&dropped), Rc::new(Cell::new(false)));
    let answered_in_fetch = Rc::clone(&answered);
    let fetched = owner.with(|| {
        Fetched::new(move || {
            let (guard, answered) = (Dropped(Rc::clone(&flag)), Rc::clone(&answered_in_fetch));
            async move {
                let _guard = guard;
                sleep_ms(20.0).await;
                answered.set(true);
            }
        })
    });
    sleep_ms(0.0).await;
    owner.cleanup();
    sleep_ms(0.0).await;
    assert!(dropped.get(), "the fetch under way is dropped with its page");
    fetched.refetch();
    sleep_ms(40.0).await;
    assert!(!answered.get(), "nothing is fetched once the page has gone");
}
