use huiquan_core::Lang;

/// Picks the first language we speak from `preferred` (BCP 47 tags, most preferred first).
/// Any Chinese gets Simplified Chinese (the only Chinese we have), any English gets English;
/// with nothing we speak, Simplified Chinese: the campaigns are Chinese cities'.
pub fn negotiate<'a>(preferred: impl IntoIterator<Item = &'a str>) -> Lang {
    preferred
        .into_iter()
        .find_map(|tag| {
            let primary = tag.split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase();
            match primary.as_str() {
                "zh" => Some(Lang::ZhHans),
                "en" => Some(Lang::En),
                _ => None,
            }
        })
        .unwrap_or(Lang::ZhHans)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn follows_the_first_language_we_speak() {
        assert_eq!(negotiate(["en-US", "zh-CN"]), Lang::En);
        assert_eq!(negotiate(["zh-CN", "en"]), Lang::ZhHans);
        assert_eq!(negotiate(["fr-FR", "EN_gb"]), Lang::En);
        assert_eq!(negotiate(["zh-TW"]), Lang::ZhHans);
        assert_eq!(negotiate(["zh-Hans"]), Lang::ZhHans);
    }

    #[wasm_bindgen_test]
    fn falls_back_to_simplified_chinese() {
        assert_eq!(negotiate(["fr", "de"]), Lang::ZhHans);
        assert_eq!(negotiate([]), Lang::ZhHans);
        assert_eq!(negotiate([""]), Lang::ZhHans);
    }
}
