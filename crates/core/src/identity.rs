//! Who is "the same user".
//!
//! Liaocheng: "符合同一设备、同一注册手机号、同一银行卡预留手机号、同一银行实体卡号、同一身份证号或同一APP
//! 账号等任一条件的" — any one shared device, phone, bank card, ID number or account makes two
//! sign-ins one resident, whose limits are counted together.

use serde::{Deserialize, Serialize};

/// One thing that identifies a resident.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Identifier {
    /// A device id the app keeps (or the host app passes).
    Device(String),
    /// A registered mobile number (also the bank-reserved number: the same number is the same person).
    Phone(String),
    /// A bank card number.
    Card(String),
    /// A resident identity card number (身份证号).
    IdNumber(String),
    /// An account in a partner app, `partner:account`.
    Account(String),
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IdentifierError {
    #[error("not a mainland mobile number (11 digits starting with 1)")]
    Phone,
    #[error("not a bank card number (12 to 19 digits)")]
    Card,
    #[error("not an 18-character identity card number")]
    IdNumber,
    #[error("empty or longer than 128 characters")]
    Blank,
}

impl Identifier {
    /// The identifier in one canonical spelling, so that `+86 138-0013-8000` and `13800138000`
    /// are the same phone. Refuses what can't be one.
    pub fn normalized(self) -> Result<Identifier, IdentifierError> {
        let digits = |text: &str| text.chars().filter(|c| !matches!(c, ' ' | '-')).collect::<String>();
        match self {
            Identifier::Phone(text) => {
                let all = digits(&text);
                let national = all.strip_prefix("+86").or_else(|| all.strip_prefix("0086")).unwrap_or(&all);
                let valid = national.len() == 11 && national.starts_with('1') && national.bytes().all(|b| b.is_ascii_digit());
                valid.then(|| Identifier::Phone(national.to_owned())).ok_or(IdentifierError::Phone)
            }
            Identifier::Card(text) => {
                let all = digits(&text);
                let valid = (12..=19).contains(&all.len()) && all.bytes().all(|b| b.is_ascii_digit());
                valid.then_some(Identifier::Card(all)).ok_or(IdentifierError::Card)
            }
            Identifier::IdNumber(text) => {
                let upper = text.trim().to_ascii_uppercase();
                let bytes = upper.as_bytes();
                let valid =
                    bytes.len() == 18 && bytes[..17].iter().all(u8::is_ascii_digit) && (bytes[17].is_ascii_digit() || bytes[17] == b'X');
                valid.then_some(Identifier::IdNumber(upper)).ok_or(IdentifierError::IdNumber)
            }
            Identifier::Device(text) | Identifier::Account(text) if text.trim().is_empty() || text.len() > 128 => {
                Err(IdentifierError::Blank)
            }
            Identifier::Device(text) => Ok(Identifier::Device(text.trim().to_owned())),
            Identifier::Account(text) => Ok(Identifier::Account(text.trim().to_owned())),
        }
    }

    /// The key under which the identifier counts as evidence for the "same user" rule, given
    /// who vouches for it (`app` for the app itself, or a partner's name). What a client can
    /// choose freely (a device id) is namespaced by who vouches for it, so `device:app:x` and
    /// `device:jd:x` are different devices; a phone, card, ID number or partner account is
    /// verified by whoever vouches for it and keeps one key.
    pub fn evidence_key(&self, vouched_by: &str) -> String {
        match self {
            Identifier::Device(value) => format!("device:{vouched_by}:{value}"),
            _ => self.key(),
        }
    }

    /// A stable text key, `kind:value`, for storage.
    pub fn key(&self) -> String {
        let (kind, value) = match self {
            Identifier::Device(value) => ("device", value),
            Identifier::Phone(value) => ("phone", value),
            Identifier::Card(value) => ("card", value),
            Identifier::IdNumber(value) => ("id", value),
            Identifier::Account(value) => ("account", value),
        };
        format!("{kind}:{value}")
    }
}

/// The rule itself: two residents are one if any identifier matches.
pub fn same_resident(a: &[Identifier], b: &[Identifier]) -> bool {
    a.iter().any(|mine| b.contains(mine))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phone(text: &str) -> Identifier {
        Identifier::Phone(text.into()).normalized().expect("a phone number")
    }

    #[test]
    fn any_one_match_makes_the_same_resident() {
        let morning = [phone("13800138000"), Identifier::Device("phone-a".into())];
        let evening = [phone("+86 139-0000-0000"), Identifier::Device("phone-a".into())];
        let neighbour = [phone("13700000000"), Identifier::Device("phone-b".into())];
        assert!(same_resident(&morning, &evening), "same device");
        assert!(!same_resident(&morning, &neighbour));
        assert!(same_resident(&[phone("+86 138 0013 8000")], &[phone("13800138000")]), "same phone, spelt differently");
    }

    #[test]
    fn a_device_id_is_evidence_only_under_whoever_vouches_for_it() {
        let device = Identifier::Device("phone-a".into());
        assert_eq!(device.evidence_key("app"), "device:app:phone-a");
        assert_ne!(device.evidence_key("app"), device.evidence_key("jd"), "a device id typed into the app is not JD's device");
        assert_eq!(phone("13800138000").evidence_key("jd"), phone("13800138000").evidence_key("app"), "a verified phone is one phone");
    }

    #[test]
    fn malformed_identifiers_are_refused_not_stored() {
        assert_eq!(Identifier::Phone("12345".into()).normalized(), Err(IdentifierError::Phone));
        assert_eq!(Identifier::Card("6222 02".into()).normalized(), Err(IdentifierError::Card));
        assert_eq!(Identifier::IdNumber("11010519491231002".into()).normalized(), Err(IdentifierError::IdNumber));
        assert_eq!(Identifier::IdNumber("11010519491231002x".into()).normalized(), Ok(Identifier::IdNumber("11010519491231002X".into())));
        assert_eq!(Identifier::Device("  ".into()).normalized(), Err(IdentifierError::Blank));
    }
}
