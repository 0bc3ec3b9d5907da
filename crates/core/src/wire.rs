//! Decoding tagged enums without serde's buffering.
//!
//! serde derives an internally tagged enum (`{"kind": "daily", "at": "09:30"}`) by buffering the
//! whole object into its private `Content` tree and decoding it a second time: about 40 KB of the
//! app's wasm for five enums. Each such enum here keeps its derived `Serialize` (and so its
//! documented shape) and decodes through one flat struct of optional fields instead: the same
//! JSON is accepted and refused, and `wire::tests` holds each enum to its own round trip.

use serde::de::Error;

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
