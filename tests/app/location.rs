//! The location gate: every state the resident can be in, judged on Tianjin's real outline and
//! put into words. Run in headless Chrome and Firefox by wasm-bindgen-test.

use huiquan::{
    i18n::I18nProvider,
    location::{LocationGate, LocationState, Reading, judge},
};
use huiquan_core::{Boundary, Crs, Lang, LocalizedText, LocateOptions, Verdict};
use leptos::{prelude::*, task::tick};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

const TIANJIN_OUTLINE: &str = include_str!("../../data/geo/tianjin.geojson");
/// Heping District, central Tianjin (WGS-84).
const CENTRAL_TIANJIN: (f64, f64) = (39.1170, 117.1950);
/// Tiananmen, Beijing.
const BEIJING: (f64, f64) = (39.9087, 116.3975);
/// Deep in the Tangshan enclave that Tianjin's outline surrounds (a hole; ≈3.3 km from its edge).
const TANGSHAN_ENCLAVE: (f64, f64) = (39.3767, 117.6024);
/// In the smaller hole of the outline, ≈1.1 km from its edge.
const SMALL_HOLE: (f64, f64) = (39.2877, 117.8259);

fn tianjin() -> Boundary {
    Boundary::from_geojson(TIANJIN_OUTLINE, Crs::Wgs84).expect("Tianjin's outline is valid")
}

fn city() -> LocalizedText {
    LocalizedText { zh_hans: "天津市".into(), en: "Tianjin".into() }
}

fn at((latitude, longitude): (f64, f64), accuracy: f64) -> Reading {
    Reading::Position(latitude, longitude, accuracy)
}

#[wasm_bindgen_test]
fn nothing_is_asked_before_the_tap_and_every_answer_has_a_state() {
    let boundary = tianjin();
    let options = LocateOptions::default();
    let judged = |asked, reading| judge(asked, reading, Some(&boundary), &options);
    assert_eq!(judged(false, at(CENTRAL_TIANJIN, 10.0)), LocationState::NotAsked, "never judged before the tap");
    assert_eq!(judged(true, Reading::Nothing), LocationState::Asking);
    assert_eq!(judged(true, Reading::Error(1)), LocationState::Denied);
    assert_eq!(judged(true, Reading::Error(2)), LocationState::Unavailable);
    assert_eq!(judged(true, Reading::Error(3)), LocationState::TimedOut);
    assert_eq!(judged(true, at((f64::NAN, 117.0), 10.0)), LocationState::Unavailable, "nonsense is no position");
    assert_eq!(judge(true, at(CENTRAL_TIANJIN, 10.0), None, &options), LocationState::Asking, "waiting for the outline");

    let verdict = |reading| match judged(true, reading) {
        LocationState::Judged { verdict, .. } => verdict,
        other => panic!("not judged: {other:?}"),
    };
    assert!(matches!(verdict(at(CENTRAL_TIANJIN, 30.0)), Verdict::Inside { .. }));
    assert!(matches!(verdict(at(BEIJING, 30.0)), Verdict::Outside { border_m } if border_m > 10_000.0));
    assert!(matches!(verdict(at(TANGSHAN_ENCLAVE, 30.0)), Verdict::Outside { .. }), "the enclave is not Tianjin");
    assert!(
        matches!(verdict(at(SMALL_HOLE, 2_000.0)), Verdict::Uncertain { centre_inside: false, .. }),
        "a wide circle crosses the hole's edge"
    );
    assert!(matches!(verdict(at(CENTRAL_TIANJIN, 5_000.0)), Verdict::TooInaccurate { .. }));
}

async fn mount_gate(lang: Lang, state: RwSignal<LocationState>, asked: RwSignal<u32>) -> web_sys::HtmlElement {
    crate::support::mount(move || {
        view! {
            <I18nProvider lang>
                <LocationGate state city=city() on_ask=move |()| asked.update(|count| *count += 1) />
            </I18nProvider>
        }
    })
    .await
}

fn words(gate: &web_sys::HtmlElement) -> String {
    let status = gate.query_selector("[role=status]").expect("valid selector").expect("a status line");
    status.text_content().unwrap_or_default()
}

fn button(gate: &web_sys::HtmlElement) -> web_sys::HtmlButtonElement {
    gate.query_selector("button").expect("valid selector").expect("a button").unchecked_into()
}

#[wasm_bindgen_test]
async fn each_state_is_said_plainly_and_announced() {
    let state = RwSignal::new(LocationState::NotAsked);
    let asked = RwSignal::new(0);
    let gate = mount_gate(Lang::ZhHans, state, asked).await;
    assert!(words(&gate).contains("仅限身在天津市的居民领取"), "{}", words(&gate));
    assert_eq!(button(&gate).text_content().unwrap_or_default(), "确认我的位置");
    button(&gate).click();
    assert_eq!(asked.get_untracked(), 1, "the tap asks");

    let boundary = tianjin();
    let options = LocateOptions::default();
    let cases: Vec<(LocationState, &str)> = vec![
        (LocationState::Asking, "正在获取你的位置"),
        (LocationState::Denied, "你没有允许使用位置"),
        (LocationState::Unavailable, "无法确定你的位置"),
        (LocationState::TimedOut, "获取位置超时"),
        (judge(true, at(CENTRAL_TIANJIN, 5_000.0), Some(&boundary), &options), "定位不够精确（误差约 5.0 公里）"),
        (judge(true, at(SMALL_HOLE, 2_000.0), Some(&boundary), &options), "定位误差越过了边界"),
        (judge(true, at(CENTRAL_TIANJIN, 20.0), Some(&boundary), &options), "已确认：你在天津市，可以领取。"),
        (judge(true, at(BEIJING, 20.0), Some(&boundary), &options), "你现在不在天津市（离边界约"),
    ];
    for (next, expected) in cases {
        state.set(next.clone());
        tick().await;
        assert!(words(&gate).contains(expected), "{next:?}: {}", words(&gate));
        let help = gate.query_selector(".location-help").expect("valid selector");
        assert_eq!(help.is_some(), next == LocationState::Denied, "how to allow location again, only when denied");
        assert_eq!(button(&gate).disabled(), next == LocationState::Asking, "no second request while one is under way");
    }
    assert_eq!(button(&gate).text_content().unwrap_or_default(), "重新获取位置");
}

#[wasm_bindgen_test]
async fn the_gate_speaks_english_too() {
    let state = RwSignal::new(LocationState::Denied);
    let gate = mount_gate(Lang::En, state, RwSignal::new(0)).await;
    assert!(words(&gate).contains("You have not allowed location"), "{}", words(&gate));
    assert!(gate.text_content().unwrap_or_default().contains("Alipay"));
    state.set(judge(true, at(BEIJING, 20.0), Some(&tianjin()), &LocateOptions::default()));
    tick().await;
    assert!(words(&gate).contains("You are not in Tianjin right now (about"), "{}", words(&gate));
    assert!(words(&gate).contains(" km from its boundary"), "{}", words(&gate));
}

#[wasm_bindgen_test]
async fn a_host_app_that_gives_positions_is_read_like_the_browser() {
    use huiquan::location::{host_get_location, host_reading};
    let _ = js_sys::eval("delete window.huiquanHost");
    assert!(host_get_location().is_none(), "not embedded: the browser is asked");

    js_sys::eval(
        "window.huiquanHost = { getLocation() { return Promise.resolve({ latitude: 39.117, longitude: 117.195, accuracy: 15 }); } }",
    )
    .expect("host defined");
    let get = host_get_location().expect("the host's getLocation");
    assert_eq!(host_reading(&get).await, Reading::Position(39.117, 117.195, 15.0));

    js_sys::eval("window.huiquanHost = { getLocation() { return Promise.reject({ code: 1 }); } }").expect("host defined");
    assert_eq!(host_reading(&host_get_location().expect("getLocation")).await, Reading::Error(1), "the host's own refusal is a denial");
    js_sys::eval("window.huiquanHost = { getLocation() { return Promise.resolve({ latitude: 'north' }); } }").expect("host defined");
    assert_eq!(host_reading(&host_get_location().expect("getLocation")).await, Reading::Error(2), "nonsense is no position");
    let _ = js_sys::eval("delete window.huiquanHost");
}

#[wasm_bindgen_test]
fn the_browsers_trigonometry_gives_the_services_gcj02_shift() {
    // The wasm build hands sin, cos and hypot to the browser's Math (src/math.rs) while the
    // service keeps libm: a fix must be shifted to the same GCJ-02 position on both sides.
    let fix = huiquan_core::Fix::new(std::hint::black_box(CENTRAL_TIANJIN.0), CENTRAL_TIANJIN.1, 20.0).expect("a valid fix");
    let shifted = fix.position_in(Crs::Gcj02);
    // Printed by the native build (libm) of the same call.
    assert!((shifted.lon - 117.201_311_310_119).abs() < 1e-9, "{}", shifted.lon);
    assert!((shifted.lat - 39.118_035_551_655).abs() < 1e-9, "{}", shifted.lat);
    let large = std::hint::black_box(1.0e6_f64);
    assert!((large.sin() - -0.349_993_502_171_292_94).abs() < 1e-15, "range reduction of a large angle");
    assert!((large.cos() - 0.936_752_127_533_144_7).abs() < 1e-15);
    assert_eq!(std::hint::black_box(3.0_f64).hypot(4.0), 5.0);
}
