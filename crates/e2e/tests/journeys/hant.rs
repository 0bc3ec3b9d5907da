//! Traditional Chinese (zh-Hant): the page's script converts the Simplified catalogue and data with
//! `public/hant.json` (scripts/hant.py, from OpenCC). The table must decide on every character a
//! resident can be shown, and a phone set to Taiwanese Chinese must see the page in it.

use std::collections::{BTreeMap, BTreeSet};

use huiquan_e2e::{BrowserOptions, Harness, repo_root, thirtyfour::By};

#[derive(serde::Deserialize)]
struct Table {
    chars: BTreeMap<char, char>,
    phrases: BTreeMap<String, String>,
    same: String,
}

fn table() -> Table {
    serde_json::from_str(&std::fs::read_to_string(repo_root().join("public/hant.json")).expect("public/hant.json")).expect("its JSON")
}

/// index.html's conversion: the longest phrase first (up to four characters), else the character.
fn convert(table: &Table, text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let (mut out, mut i) = (String::new(), 0);
    while i < chars.len() {
        let phrase = (2..=4.min(chars.len() - i))
            .rev()
            .find_map(|n| table.phrases.get(&chars[i..i + n].iter().collect::<String>()).map(|written| (n, written)));
        match phrase {
            Some((n, written)) => {
                out.push_str(written);
                i += n;
            }
            None => {
                out.push(*table.chars.get(&chars[i]).unwrap_or(&chars[i]));
                i += 1;
            }
        }
    }
    out
}

/// Every file whose Chinese a resident can see.
fn shown_texts() -> Vec<(String, String)> {
    let root = repo_root();
    let mut files = vec![root.join("src/i18n/zh_hans.rs"), root.join("crates/core/src/text.rs")];
    for dir in ["data/campaigns", "data/merchants"] {
        let mut found: Vec<_> = std::fs::read_dir(root.join(dir)).expect(dir).filter_map(|entry| Some(entry.ok()?.path())).collect();
        found.sort();
        files.extend(found.into_iter().filter(|path| path.extension().is_some_and(|ext| ext == "json")));
    }
    files.into_iter().map(|path| (path.display().to_string(), std::fs::read_to_string(&path).expect("readable"))).collect()
}

fn is_han(c: char) -> bool {
    ('\u{3400}'..='\u{9fff}').contains(&c)
}

#[test]
fn every_chinese_character_shown_has_its_traditional_form_decided() {
    let table = table();
    let same: BTreeSet<char> = table.same.chars().collect();
    for (file, text) in shown_texts() {
        let undecided: BTreeSet<char> =
            text.chars().filter(|&c| is_han(c) && !table.chars.contains_key(&c) && !same.contains(&c)).collect();
        assert!(
            undecided.is_empty(),
            "{file} has characters public/hant.json has not decided on ({}): run scripts/hant.py (it needs OpenCC)",
            undecided.iter().collect::<String>()
        );
    }
    // Known readings: 发放 → 發放, 余 → 餘, 后 → 後, and 公里 keeps its 里.
    assert_eq!(convert(&table, "每次发放 3571 张，剩余 10 张，之后约 3.2 公里"), "每次發放 3571 張，剩餘 10 張，之後約 3.2 公里");
}

#[test]
fn text_converted_once_comes_out_the_same_when_converted_again() {
    // The page's script sees its own writes again (a mutation observer): 頁面 must stay 頁面.
    let table = table();
    for (file, text) in shown_texts() {
        for run in text.split(|c: char| !is_han(c)).filter(|run| !run.is_empty()) {
            let once = convert(&table, run);
            assert_eq!(convert(&table, &once), once, "{file}: {run}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_in_taiwanese_chinese_sees_the_campaign_in_traditional_characters() {
    let harness = Harness::start(BrowserOptions { demo_release_in: Some(-1), languages: "zh-TW,zh", ..BrowserOptions::default() }).await;
    harness.open_campaign("tianjin-2022-jinlegou").await;
    let tier = harness.wait_for_text(".tier-card .tier-offer", "滿1000元減100元").await;
    assert_eq!(tier, "滿1000元減100元");
    harness.wait_for_text(".tier-card .offer-words", "正在發放：剩餘").await;
    let lang = harness.driver.execute("return document.documentElement.lang", Vec::new()).await.expect("lang");
    assert_eq!(lang.json().as_str(), Some("zh-Hant"));
    let switch = harness.wait_for_all("select.language-switch").await.remove(0);
    assert_eq!(switch.value().await.expect("value").as_deref(), Some("zh-Hant"));
    // The other languages' names are not converted: each is written as its readers write it.
    let names =
        harness.driver.execute("return [...document.querySelectorAll('select.language-switch option')].map(o => o.text)", Vec::new()).await;
    assert_eq!(names.expect("names").json(), &serde_json::json!(["简体中文", "繁體中文", "English"]));
    let body = harness.driver.find(By::Tag("main")).await.expect("main").text().await.expect("text");
    assert!(!body.contains("发放") && !body.contains("张"), "no Simplified left: {body}");
    harness.screenshot("zh-hant-claim").await;

    // Chosen back to Simplified Chinese, the page reloads in it and the choice is kept.
    let simplified = harness.wait_for_all("select.language-switch option[value=zh-Hans]").await.remove(0);
    simplified.click().await.expect("choose 简体中文");
    harness.wait_for_text(".tier-card .tier-offer", "满1000元减100元").await;
    harness.driver.refresh().await.expect("reload");
    harness.wait_for_text(".tier-card .tier-offer", "满1000元减100元").await;
    harness.stop().await;
}
