//! 代领 on the claim page: the relative chosen to claim for, kept for the tab and only for the
//! carer who chose. Run in headless Chrome and Firefox.

use huiquan::family::{Relative, provide_claiming_for};
use leptos::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test;

/// As `src/family.rs` keeps the choice in the tab's storage.
const STORAGE_KEY: &str = "huiquan.claiming-for";

fn session_storage() -> web_sys::Storage {
    window().session_storage().ok().flatten().expect("session storage")
}

#[wasm_bindgen_test]
fn a_relative_chosen_is_kept_for_the_tab_and_only_for_the_carer_who_chose() {
    let mother = Relative { carer: 7, resident: 42, hint: "136****6000".to_owned() };
    Owner::new().with(|| {
        let claiming_for = provide_claiming_for();
        claiming_for.choose(Some(mother.clone()));
        assert_eq!(claiming_for.relative_untracked(Some(7)), Some(mother.clone()));
        assert_eq!(claiming_for.relative_untracked(Some(8)), None, "another resident signed in on this tab");
        assert_eq!(claiming_for.relative_untracked(None), None);
    });
    // A reload reads it back; choosing oneself again forgets it.
    Owner::new().with(|| {
        let claiming_for = provide_claiming_for();
        assert_eq!(claiming_for.relative_untracked(Some(7)), Some(mother.clone()));
        claiming_for.choose(None);
        assert_eq!(claiming_for.relative_untracked(Some(7)), None);
    });
    Owner::new().with(|| assert_eq!(provide_claiming_for().relative_untracked(Some(7)), None));
}

#[wasm_bindgen_test]
fn a_kept_choice_that_does_not_read_is_none() {
    let storage = session_storage();
    for text in ["", "7", "7:x:136****6000", "seven:42:136****6000", "7:42"] {
        storage.set_item(STORAGE_KEY, text).expect("kept");
        Owner::new().with(|| assert_eq!(provide_claiming_for().relative_untracked(Some(7)), None, "{text:?}"));
    }
    storage.set_item(STORAGE_KEY, "7:42:").expect("kept");
    Owner::new().with(|| {
        assert_eq!(provide_claiming_for().relative_untracked(Some(7)), Some(Relative { carer: 7, resident: 42, hint: String::new() }));
    });
    storage.remove_item(STORAGE_KEY).expect("removed");
}
