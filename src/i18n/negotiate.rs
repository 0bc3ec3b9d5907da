use super::Language;

/// Picks the first language we speak from `preferred` (BCP 47 tags, most preferred first).
/// Chinese of Taiwan, Hong Kong or Macau, or written `zh-Hant`, gets Traditional Chinese; any other
/// Chinese gets Simplified Chinese; any English gets English; with nothing we speak, Simplified
/// Chinese: the campaigns are Chinese cities'. (index.html's script makes the same choice before
/// the app loads.)
pub fn negotiate<'a>(preferred: impl IntoIterator<Item = &'a str>) -> Language {
    preferred
        .into_iter()
        .find_map(|tag| {
            let tag = tag.to_ascii_lowercase().replace('_', "-");
            let mut subtags = tag.split('-');
            match subtags.next() {
                // A script said outright wins over the region.
                Some("zh") if !tag.contains("hans") && subtags.any(|subtag| matches!(subtag, "hant" | "tw" | "hk" | "mo")) => {
                    Some(Language::ZhHant)
                }
                Some("zh") => Some(Language::ZhHans),
                Some("en") => Some(Language::En),
                _ => None,
            }
        })
        .unwrap_or(Language::ZhHans)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn follows_the_first_language_we_speak() {
        assert_eq!(negotiate(["en-US", "zh-CN"]), Language::En);
        assert_eq!(negotiate(["zh-CN", "en"]), Language::ZhHans);
        assert_eq!(negotiate(["fr-FR", "EN_gb"]), Language::En);
        assert_eq!(negotiate(["zh-Hans"]), Language::ZhHans);
        assert_eq!(negotiate(["zh"]), Language::ZhHans);
    }

    #[wasm_bindgen_test]
    fn taiwan_hong_kong_and_macau_read_traditional_chinese() {
        for tag in ["zh-TW", "zh-HK", "zh-MO", "zh-Hant", "zh-Hant-TW", "ZH_hk"] {
            assert_eq!(negotiate([tag, "en"]), Language::ZhHant, "{tag}");
        }
        assert_eq!(negotiate(["zh-Hans-HK"]), Language::ZhHans, "Simplified asked for outright");
        assert_eq!(negotiate(["zh-SG"]), Language::ZhHans);
    }

    #[wasm_bindgen_test]
    fn falls_back_to_simplified_chinese() {
        assert_eq!(negotiate(["fr", "de"]), Language::ZhHans);
        assert_eq!(negotiate([]), Language::ZhHans);
        assert_eq!(negotiate([""]), Language::ZhHans);
    }
}
