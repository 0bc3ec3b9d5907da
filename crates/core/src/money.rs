//! Money as integer fen (1 yuan = 100 fen): never a float, so sums and limits are exact.

use core::fmt;
use serde::{Deserialize, Serialize};

/// An amount of renminbi in fen.
///
/// Read from JSON as an integer; a number with a zero fraction (`4600.0`) is the same integer,
/// as JSON and JSON Schema say, and a fraction of a fen is refused.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Fen(pub i64);

impl<'de> Deserialize<'de> for Fen {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Fen, D::Error> {
        struct FenVisitor;
        impl serde::de::Visitor<'_> for FenVisitor {
            type Value = Fen;
            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("a whole number of fen")
            }
            fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<Fen, E> {
                Ok(Fen(value))
            }
            fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<Fen, E> {
                i64::try_from(value).map(Fen).map_err(|_| E::custom("an amount of fen out of range"))
            }
            fn visit_f64<E: serde::de::Error>(self, value: f64) -> Result<Fen, E> {
                // Only where a float still holds every integer exactly (2^53).
                const EXACT: f64 = 9_007_199_254_740_992.0;
                if value.fract() == 0.0 && value.abs() <= EXACT {
                    Ok(Fen(value as i64))
                } else {
                    Err(E::custom("an amount in fen is a whole number"))
                }
            }
        }
        // A number is all there is to read: `deserialize_any` would link serde_json's readers of
        // strings, arrays and objects only to refuse them.
        deserializer.deserialize_i64(FenVisitor)
    }
}

impl Fen {
    pub const ZERO: Fen = Fen(0);

    /// A whole number of yuan.
    pub const fn from_yuan(yuan: i64) -> Fen {
        Fen(yuan * 100)
    }

    pub fn checked_add(self, other: Fen) -> Option<Fen> {
        self.0.checked_add(other.0).map(Fen)
    }

    pub fn checked_mul(self, count: i64) -> Option<Fen> {
        self.0.checked_mul(count).map(Fen)
    }
}

/// Yuan as people write it on a voucher: `100`, `12.5`, `0.05`, with no currency sign (the
/// words around it, in the reader's language, say "yuan").
impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let (yuan, fen) = (abs / 100, abs % 100);
        match fen {
            0 => write!(f, "{sign}{yuan}"),
            f10 if f10 % 10 == 0 => write!(f, "{sign}{yuan}.{}", f10 / 10),
            _ => write!(f, "{sign}{yuan}.{fen:02}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_whole_numbers_of_fen_however_json_spells_them() {
        // Regression: `4600.0` (an integer to JSON Schema) was refused as "expected i64".
        let read = |json: &str| serde_json::from_str::<Fen>(json).map_err(|error| error.to_string());
        assert_eq!(read("4600"), Ok(Fen(4600)));
        assert_eq!(read("4600.0"), Ok(Fen(4600)));
        assert_eq!(read("-177893.0"), Ok(Fen(-177893)));
        assert!(read("0.5").is_err(), "no fractions of a fen");
        assert!(read("1e300").is_err(), "beyond what a float holds exactly");
        assert!(read("18446744073709551615").is_err());
        assert!(read("\"100\"").is_err());
    }

    #[test]
    fn displays_yuan_without_needless_decimals() {
        assert_eq!(Fen::from_yuan(100).to_string(), "100");
        assert_eq!(Fen(1250).to_string(), "12.5");
        assert_eq!(Fen(5).to_string(), "0.05");
        assert_eq!(Fen(-1999).to_string(), "-19.99");
    }

    #[test]
    fn arithmetic_refuses_to_overflow() {
        assert_eq!(Fen(i64::MAX).checked_add(Fen(1)), None);
        assert_eq!(Fen::from_yuan(10).checked_mul(3), Some(Fen::from_yuan(30)));
    }
}
