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
    #[error("a device id is 1 to 128 visible ASCII characters")]
    Device,
}

impl Identifier {
    /// The identifier in one canonical spelling, so that `+86 138-0013-8000` and `13800138000`
    /// are the same phone. Refuses what can't be one.
    pub fn normalized(self) -> Result<Identifier, IdentifierError> {
        let digits = |text: &str| text.chars().filter(|c| !matches!(c, ' ' | '-')).collect::<String>();
        match self {
            Identifier::Phone(text) => phone_digits(&text).map(Identifier::Phone).ok_or(IdentifierError::Phone),
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
            Identifier::Device(text) => {
                let valid = crate::api::is_visible_ascii(&text, 1..=crate::api::DEVICE_MAX_CHARS);
                valid.then_some(Identifier::Device(text)).ok_or(IdentifierError::Device)
            }
            Identifier::Account(text) if text.trim().is_empty() || text.len() > 128 => Err(IdentifierError::Blank),
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

/// The national number in a phone as residents type it ([`crate::api::PHONE_PATTERN`]: spaces or
/// dashes between the digits, `+86` or `0086` before them), or `None`. The app checks what is
/// typed with it before sending; the service reads the phone with it.
pub fn phone_digits(text: &str) -> Option<String> {
    let separator = |c: char| c == ' ' || c == '-';
    if text.chars().count() > crate::api::PHONE_MAX_CHARS {
        return None;
    }
    let text = text.trim_start_matches(separator);
    let national = text.strip_prefix("+86").or_else(|| text.strip_prefix("0086")).unwrap_or(text);
    if !national.chars().all(|c| c.is_ascii_digit() || separator(c)) {
        return None;
    }
    let digits: String = national.chars().filter(char::is_ascii_digit).collect();
    (digits.len() == 11 && digits.starts_with('1')).then_some(digits)
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
        assert_eq!(Identifier::Device("  ".into()).normalized(), Err(IdentifierError::Device));
        assert_eq!(Identifier::Device("设备".into()).normalized(), Err(IdentifierError::Device));
        assert_eq!(Identifier::Device("d".repeat(129)).normalized(), Err(IdentifierError::Device));
        assert_eq!(
            Identifier::Phone("1 3 8 0 0 1 3 8 0 0 0 0 0 0 0 0 0".into()).normalized(),
            Err(IdentifierError::Phone),
            "longer than 32"
        );
    }

    #[test]
    fn phones_are_read_exactly_as_the_api_document_says() {
        // Regression: the document said any string, and the service refused most; now both say
        // the same, checked on every spelling below and on generated ones.
        let pattern = regex::Regex::new(crate::api::PHONE_PATTERN).expect("a regex");
        let mut texts: Vec<String> = [
            "13800138000",
            "+8613800138000",
            "008613800138000",
            "+86 138-0013-8000",
            " 138 0013 8000 ",
            "--13800138000--",
            "+86+8613800138000",
            "1380013800",
            "138001380000",
            "23800138000",
            "+85213800138000",
            "086 13800138000",
            "13800138000\n",
            "1380013800O",
            "１３８００１３８０００",
            "",
            "+86",
            "0086 1 3 8 0 0 1 3 8 0 0 0",
        ]
        .iter()
        .map(|text| text.to_string())
        .collect();
        // Every arrangement of separators and prefixes around a few digit strings.
        for digits in ["13800138000", "23800138000", "1380013800"] {
            for prefix in ["", "+86", "0086", "86", "+"] {
                for gaps in 0..16u32 {
                    let mut text = String::from(prefix);
                    for (index, digit) in digits.chars().enumerate() {
                        text.push(digit);
                        if gaps & (1 << (index % 4)) != 0 {
                            text.push(if index % 2 == 0 { ' ' } else { '-' });
                        }
                    }
                    texts.push(text);
                }
            }
        }
        for text in texts {
            let by_pattern = pattern.is_match(&text) && text.chars().count() <= crate::api::PHONE_MAX_CHARS;
            assert_eq!(phone_digits(&text).is_some(), by_pattern, "{text:?}");
        }
    }
}
