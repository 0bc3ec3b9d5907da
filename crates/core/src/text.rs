//! Text that comes with the data (campaign, theme and tier names), in every language the app
//! speaks. The app's own sentences live in its locale files; these travel with a campaign.

use serde::{Deserialize, Serialize};

/// The languages Huiquan speaks; Simplified Chinese first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Lang {
    #[default]
    #[serde(rename = "zh-Hans")]
    ZhHans,
    #[serde(rename = "en")]
    En,
}

/// One piece of text in each language. Both are required, so no resident ever sees a blank.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LocalizedText {
    #[serde(rename = "zh-Hans")]
    pub zh_hans: String,
    pub en: String,
}

impl LocalizedText {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::ZhHans => &self.zh_hans,
            Lang::En => &self.en,
        }
    }

    pub(crate) fn is_blank(&self) -> bool {
        self.zh_hans.trim().is_empty() || self.en.trim().is_empty()
    }
}

/// The location card's title. With [`location_not_asked`], the words a campaign's page says
/// before the app has loaded (the service paints them) and the app's catalogues say after: kept
/// here, once, for both.
pub const fn location_title(lang: Lang) -> &'static str {
    match lang {
        Lang::ZhHans => "你的位置",
        Lang::En => "Your location",
    }
}

/// The location card's sentence before the resident has been asked for a position.
pub fn location_not_asked(lang: Lang, city: &str) -> String {
    match lang {
        Lang::ZhHans => format!("本活动仅限身在{city}的居民领取。领取前请点按下方按钮，确认你的位置；位置只用于判断你是否在{city}。"),
        Lang::En => format!(
            "Only people in {city} can claim these vouchers. Tap the button below to check your location; it is used only to tell whether you are in {city}."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_asked_language() {
        let text = LocalizedText { zh_hans: "津乐购".into(), en: "Jinlegou".into() };
        assert_eq!(text.get(Lang::ZhHans), "津乐购");
        assert_eq!(text.get(Lang::En), "Jinlegou");
    }

    #[test]
    fn a_missing_language_is_refused_when_read() {
        let missing_en = serde_json::from_str::<LocalizedText>(r#"{"zh-Hans": "津乐购"}"#);
        assert!(missing_en.is_err());
    }
}
