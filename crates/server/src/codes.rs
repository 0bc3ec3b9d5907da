//! Random codes and tokens, and the digests under which secrets are stored.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::Rng;
use sha2::{Digest, Sha256};

/// Crockford's base32 without I, L, O, U: nothing to misread at a till.
const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A voucher's code, shown at the till: 16 symbols (80 bits) in groups of four, `7KQ2-…`.
pub fn voucher_code() -> String {
    let mut rng = rand::rng();
    let symbols: Vec<char> = (0..16).map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())])).collect();
    symbols.chunks(4).map(|group| group.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

/// A bearer token: 256 random bits, URL-safe.
pub fn token() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A six-digit one-time code.
pub fn one_time_code() -> String {
    format!("{:06}", rand::rng().random_range(0..1_000_000))
}

/// The SHA-256 of a text, hex: how tokens, codes and identifiers are stored.
pub fn digest(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The key under which identifiers, phones and one-time codes are stored: HMAC-SHA-256, so a copy
/// of the database alone does not give away a phone number by trying all 10^10 of them.
#[derive(Clone)]
pub struct DigestKey(std::sync::Arc<Vec<u8>>);

impl DigestKey {
    pub fn new(secret: &[u8]) -> DigestKey {
        DigestKey(std::sync::Arc::new(secret.to_vec()))
    }

    /// HMAC-SHA-256 of `text` under this key, hex.
    pub fn digest(&self, text: &str) -> String {
        use hmac::Mac;
        match hmac::Hmac::<Sha256>::new_from_slice(&self.0) {
            Ok(mut mac) => {
                mac.update(text.as_bytes());
                mac.finalize().into_bytes().iter().map(|byte| format!("{byte:02x}")).collect()
            }
            Err(_) => digest(text),
        }
    }
}

impl std::fmt::Debug for DigestKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("DigestKey(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn voucher_codes_are_readable_and_differ() {
        let (a, b) = (voucher_code(), voucher_code());
        assert_eq!(a.len(), 19);
        assert!(a.split('-').all(|group| group.len() == 4 && group.bytes().all(|b| ALPHABET.contains(&b))));
        assert_ne!(a, b);
    }

    #[test]
    fn keyed_digests_depend_on_the_key() {
        let phone = "phone:13800138000";
        assert_ne!(DigestKey::new(b"key-one").digest(phone), DigestKey::new(b"key-two").digest(phone));
        assert_ne!(DigestKey::new(b"key-one").digest(phone), digest(phone), "not the plain digest anyone can compute");
        assert_eq!(DigestKey::new(b"key-one").digest(phone).len(), 64);
    }

    #[test]
    fn digests_are_hex_sha256() {
        assert_eq!(digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
