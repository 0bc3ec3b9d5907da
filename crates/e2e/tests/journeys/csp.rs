//! The app runs under its Content-Security-Policy, and what the policy refuses is seen: the
//! harness fails any test during which the browser reported a violation.

use huiquan_e2e::{BrowserOptions, Harness};

const TIANJIN: &str = "tianjin-2022-jinlegou";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_runs_under_its_policy_and_an_injected_inline_script_or_style_is_refused() {
    let harness = Harness::start(BrowserOptions::default()).await;
    // The app's inline module loader and CSS ran (by their hashes): its tiers are shown.
    harness.open_campaign(TIANJIN).await;
    assert_eq!(harness.csp_violations().await, Vec::<String>::new());

    // What an attacker's markup would add: an inline script and a style attribute.
    harness
        .driver
        .execute(
            "const script = document.createElement('script');
             script.textContent = 'window.injected = true';
             document.body.appendChild(script);
             const styled = document.createElement('p');
             styled.setAttribute('style', 'color: red');
             document.body.appendChild(styled);",
            Vec::new(),
        )
        .await
        .expect("injected");
    let mut violations = Vec::new();
    for _ in 0..50 {
        violations = harness.csp_violations().await;
        if violations.len() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(violations.iter().any(|violation| violation.starts_with("script-src")), "{violations:?}");
    assert!(violations.iter().any(|violation| violation.starts_with("style-src")), "{violations:?}");
    let ran = harness.driver.execute("return window.injected === true", Vec::new()).await.expect("script").json().as_bool();
    assert_eq!(ran, Some(false), "the injected script did not run");
    harness.forget_csp_violations().await;
    harness.stop().await;
}
