//! Money as integer fen (1 yuan = 100 fen): never a float, so sums and limits are exact.

use core::fmt;
use serde::{Deserialize, Serialize};

/// An amount of renminbi in fen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Fen(pub i64);

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
