//! Decoding tagged enums without serde's buffering.
//!
//! serde derives an internally tagged enum (`{"kind": "daily", "at": "09:30"}`) by buffering the
//! whole object into its private `Content` tree and decoding it a second time: about 40 KB of the
//! app's wasm for five enums. Each such enum here keeps its derived `Serialize` (and so its
//! documented shape) and decodes through one flat struct of optional fields instead: the same
//! JSON is accepted and refused, and `wire::tests` holds each enum to its own round trip.

use serde::de::Error;

/// The position of a unit variant's name in `names`, or serde's "unknown variant" error. Every
/// unit enum (`"day"`, `"gcj02"`) decodes through this one function per decoder, instead of a
/// derived identifier visitor of its own (about 1 KB of the app's wasm each).
pub fn variant_index<'de, D: serde::Deserializer<'de>>(deserializer: D, names: &'static [&'static str]) -> Result<usize, D::Error> {
    let name = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(deserializer)?;
    names.iter().position(|known| *known == name).ok_or_else(|| D::Error::unknown_variant(&name, names))
}

/// `Deserialize` for a unit enum from its variants' names, through [`variant_index`]; the enum
/// keeps its derived `Serialize`, whose names these must be (`wire::tests` checks each).
macro_rules! unit_enum_names {
    ($type:ty { $($name:literal => $variant:expr),+ $(,)? }) => {
        impl<'de> serde::Deserialize<'de> for $type {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                const VALUES: &[$type] = &[$($variant),+];
                Ok(VALUES[crate::wire::variant_index(deserializer, &[$($name),+])?])
            }
        }
    };
}
pub(crate) use unit_enum_names;

/// The field a variant needs, or serde's "missing field" error.
pub(crate) fn required<T, E: Error>(value: Option<T>, field: &'static str) -> Result<T, E> {
    value.ok_or_else(|| E::missing_field(field))
}

#[cfg(test)]
mod tests {
    use crate::{
        Period, Refusal, ReleaseSchedule, Scope, TierState, Validity,
        civil::{Instant, Time},
        text::LocalizedText,
    };
    use serde::{Serialize, de::DeserializeOwned};
    use std::fmt::Debug;

    fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(value: T) {
        let json = serde_json::to_string(&value).unwrap();
        assert_eq!(serde_json::from_str::<T>(&json).unwrap(), value, "{json}");
        let tree = serde_json::to_value(&value).unwrap();
        assert_eq!(serde_json::from_value::<T>(tree).unwrap(), value, "{json}");
    }

    #[test]
    fn unit_enums_read_back_the_names_they_write() {
        use crate::{Area, Crs, Figure, RoundStock, ThresholdBasis, api::VoucherStatus};
        for value in [Figure::Stock, Figure::Amounts, Figure::RoundTimes, Figure::ClaimWindow] {
            round_trip(value);
        }
        [RoundStock::Fresh, RoundStock::LeftoverOnly].into_iter().for_each(round_trip);
        [ThresholdBasis::OrderTotal, ThresholdBasis::SingleItem].into_iter().for_each(round_trip);
        [Period::Day, Period::Round, Period::Campaign].into_iter().for_each(round_trip);
        [Area::City, Area::Nationwide].into_iter().for_each(round_trip);
        [VoucherStatus::Unused, VoucherStatus::Used, VoucherStatus::Expired].into_iter().for_each(round_trip);
        [Crs::Wgs84, Crs::Gcj02].into_iter().for_each(round_trip);
        // A name no variant has is refused with serde's own words, listing the names there are.
        let error = serde_json::from_str::<Period>("\"week\"").unwrap_err().to_string();
        assert!(error.contains("unknown variant `week`, expected one of `day`, `round`, `campaign`"), "{error}");
        assert_eq!(serde_json::from_str::<Crs>("\"gcj02\"").unwrap(), Crs::Gcj02);
    }

    #[test]
    fn every_variant_reads_back_what_it_writes() {
        let at = Instant(1_661_650_200_000);
        for state in [
            TierState::Upcoming { opens: at },
            TierState::Open { opened: at, closes: at },
            TierState::SoldOut { next_release: Some(at) },
            TierState::SoldOut { next_release: None },
            TierState::RoundOver { next_round_opens: Some(at) },
            TierState::RoundOver { next_round_opens: None },
            TierState::CampaignOver,
        ] {
            round_trip(state);
        }
        let name = LocalizedText { zh_hans: "燃气灶".into(), en: "Gas stoves".into() };
        for scope in [
            Scope::Theme,
            Scope::ProductCategory { id: "gas-stove".into(), name: name.clone(), categories: Vec::new() },
            Scope::ProductCategory { id: "gas-stove".into(), name, categories: vec!["jd-self-operated".into()] },
            Scope::MerchantCategories { categories: vec!["fuel".into(), "dining".into()] },
        ] {
            round_trip(scope);
        }
        let (nine_thirty, ten_to_eight) = (Time::new(9, 30).unwrap(), Time::new(19, 50).unwrap());
        for schedule in [
            ReleaseSchedule::Daily { at: nine_thirty, first_day_at: Some(ten_to_eight) },
            ReleaseSchedule::Daily { at: nine_thirty, first_day_at: None },
            ReleaseSchedule::OncePerRound,
        ] {
            round_trip(schedule);
        }
        for validity in [Validity::EndOfDay, Validity::EndOfWeek { weekday: 4 }, Validity::RoundDeadline, Validity::UntilNextRound] {
            round_trip(validity);
        }
        for refusal in [
            Refusal::UnknownOffer,
            Refusal::NotOpenYet { opens: at },
            Refusal::RoundOver { next_round_opens: None },
            Refusal::CampaignOver,
            Refusal::SoldOut { next_release: Some(at) },
            Refusal::RealNameRequired,
            Refusal::EnterpriseExcluded,
            Refusal::NotOnAllowlist { list: "housing-fair".into() },
            Refusal::StoreRequired,
            Refusal::LocationRequired,
            Refusal::OutsideArea,
            Refusal::LocationUncertain,
            Refusal::LocationInaccurate,
            Refusal::AlreadyClaimed { period: Period::Day, again_at: Some(at) },
            Refusal::AlreadyClaimed { period: Period::Campaign, again_at: None },
            Refusal::UsedBefore { period: Period::Campaign, again_at: None },
            Refusal::UsedBefore { period: Period::Day, again_at: Some(at) },
        ] {
            round_trip(refusal);
        }
    }

    #[test]
    fn refuses_what_the_derived_decoders_refused() {
        // A variant without the field it needs, an unknown tag, no tag at all.
        assert!(serde_json::from_str::<TierState>(r#"{"state":"upcoming"}"#).unwrap_err().to_string().contains("missing field `opens`"));
        assert!(serde_json::from_str::<TierState>(r#"{"state":"later"}"#).unwrap_err().to_string().contains("unknown variant"));
        assert!(serde_json::from_str::<Scope>(r#"{"id":"gas-stove"}"#).unwrap_err().to_string().contains("missing field `kind`"));
        assert!(serde_json::from_str::<ReleaseSchedule>(r#"{"kind":"daily"}"#).is_err());
        assert!(serde_json::from_str::<Validity>(r#"{"kind":"end_of_week"}"#).is_err());
        assert!(serde_json::from_str::<Refusal>(r#"{"code":"already_claimed"}"#).is_err());
        assert!(serde_json::from_str::<TierState>(r#"["upcoming"]"#).is_err());
        // Fields of other variants and unknown fields are ignored, as before.
        assert_eq!(serde_json::from_str::<Validity>(r#"{"kind":"end_of_day","weekday":4,"x":1}"#).unwrap(), Validity::EndOfDay);
    }
}
