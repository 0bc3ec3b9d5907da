//! Reading the service's JSON into core's types. serde's derived decoders with
//! `serde-json-core`'s reader: a plain reader (no positions in its errors, no `deserialize_any`),
//! whose decoders are a fraction of `serde_json`'s size in the wasm. The app's types never ask
//! for `deserialize_any` (no untagged, flattened or internally tagged enums: `core::wire`), so
//! it reads all of them; `serde_json` still writes the app's requests and kept data.

use serde::de::DeserializeOwned;

/// The text was not the JSON of a `T`.
#[derive(Debug)]
pub struct Unreadable;

/// Decodes `text` as a `T`. Strings with escapes are unescaped into a buffer as long as the text
/// (an unescaped string is never longer than its escaped form).
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, Unreadable> {
    let mut unescaped = vec![0; text.len()];
    serde_json_core::from_str_escaped(text, &mut unescaped).map(|(value, _)| value).map_err(|_| Unreadable)
}

#[cfg(test)]
mod tests {
    use super::from_str;
    use huiquan_core::{api::OfferStock, campaign::Campaign};
    use wasm_bindgen_test::wasm_bindgen_test;

    const CAMPAIGNS: [&str; 4] = [
        include_str!("../data/campaigns/jincheng-2020-alipay.json"),
        include_str!("../data/campaigns/liaocheng-2024-spring-appliances.json"),
        include_str!("../data/campaigns/shenyang-2022-xiaoxia.json"),
        include_str!("../data/campaigns/tianjin-2022-jinlegou.json"),
    ];

    #[wasm_bindgen_test]
    fn every_campaign_reads_as_serde_json_reads_it() {
        for file in CAMPAIGNS {
            let expected: Campaign = serde_json::from_str(file).expect("a campaign file");
            assert_eq!(from_str::<Campaign>(file).expect("read from the file"), expected, "{}", expected.id);
            // As the service sends it: compact, every field written.
            let sent = serde_json::to_string(&expected).expect("written");
            assert_eq!(from_str::<Campaign>(&sent).expect("read as sent"), expected, "{}", expected.id);
        }
    }

    #[wasm_bindgen_test]
    fn escapes_are_read_and_unknown_members_of_any_shape_skipped() {
        let mut campaign: Campaign = serde_json::from_str(CAMPAIGNS[3]).expect("Tianjin");
        campaign.name.zh_hans = "津\"乐\\购\n</script>".into();
        // The painted page writes `<` as `\u003c` inside its data block.
        let sent = serde_json::to_string(&campaign).expect("written").replace('<', "\\u003c");
        let unknown = r#"{"later":[1,-2.5e3,"]},{",{"deep":[null,true,false,{}]}],"more":"\"}","#;
        let with_unknown = sent.replacen('{', unknown, 1);
        assert_eq!(from_str::<Campaign>(&with_unknown).expect("read"), campaign);
    }

    #[wasm_bindgen_test]
    fn what_is_not_json_of_the_type_is_unreadable() {
        assert!(from_str::<Vec<OfferStock>>("").is_err());
        assert!(from_str::<Vec<OfferStock>>("{}").is_err());
        assert!(from_str::<Vec<OfferStock>>(r#"[{"offer":"a"#).is_err());
        assert_eq!(from_str::<String>(r#""\u5929\u6d25""#).expect("escaped"), "天津");
        // A lone surrogate is no character: refused, never a panic.
        assert!(from_str::<String>(r#""\ud800""#).is_err());
        assert_eq!(from_str::<Vec<OfferStock>>(" [ ] ").expect("empty"), Vec::new());
    }
}
