//! Reading the service's JSON into core's types. serde's derived decoders with
//! `serde-json-core`'s reader: a plain reader (no positions in its errors, no `deserialize_any`),
//! whose decoders are a fraction of `serde_json`'s size in the wasm. The app's types never ask
//! for `deserialize_any` (no untagged, flattened or internally tagged enums: `core::wire`), so
//! it reads all of them. `serde_json` writes the app's requests and kept data, through
//! [`to_string`].

use serde::{Serialize, de::DeserializeOwned};

/// The text was not the JSON of a `T`.
#[derive(Debug)]
pub struct Unreadable;

/// Decodes `text` as a `T`. Strings with escapes are unescaped into a buffer as long as the text
/// (an unescaped string is never longer than its escaped form).
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, Unreadable> {
    let mut unescaped = vec![0; text.len()];
    serde_json_core::from_str_escaped(text, &mut unescaped).map(|(value, _)| value).map_err(|_| Unreadable)
}

/// Writes `value` as JSON. A number with a fraction is written by the browser
/// (`Number.prototype.toString`: the shortest text that reads back as the same number, as
/// serde_json's own writer does), so the wasm carries no float formatter (serde_json's `zmij`
/// and its table of powers of ten). `None` only for a value serde_json cannot write.
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Option<String> {
    let mut written = Vec::with_capacity(128);
    value.serialize(&mut serde_json::Serializer::with_formatter(&mut written, BrowserNumbers)).ok()?;
    String::from_utf8(written).ok()
}

/// serde_json's compact form, with the browser's numbers.
struct BrowserNumbers;

impl serde_json::ser::Formatter for BrowserNumbers {
    fn write_f64<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, value: f64) -> std::io::Result<()> {
        // serde_json writes `null` itself for a number that is not finite; JS writes the rest as
        // JSON reads them (`1e+21`, `5e-7`).
        let text: String = js_sys::Number::from(value).to_string_with_radix(10).map(String::from).unwrap_or_default();
        writer.write_all(text.as_bytes())
    }

    fn write_f32<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, value: f32) -> std::io::Result<()> {
        self.write_f64(writer, f64::from(value))
    }
}

#[cfg(test)]
mod tests {
    use super::{from_str, to_string};
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

    #[wasm_bindgen_test]
    fn written_as_serde_json_writes_it_and_numbers_read_back_exactly() {
        for file in CAMPAIGNS {
            let campaign: Campaign = serde_json::from_str(file).expect("a campaign file");
            assert_eq!(to_string(&campaign).expect("written"), serde_json::to_string(&campaign).expect("written"), "{}", campaign.id);
        }
        for number in [39.084_158_123_456_79, -117.2, 0.1 + 0.2, 5e-7, 1e21, 1.0, 0.0, f64::MAX, f64::MIN_POSITIVE] {
            let written = to_string(&number).expect("written");
            assert_eq!(serde_json::from_str::<f64>(&written).expect("read"), number, "{written}");
        }
        assert_eq!(to_string(&f64::NAN).expect("written"), "null");
    }
}
