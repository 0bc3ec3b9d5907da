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

/// How long one store code is shown at a till; a code is accepted in its own window and the
/// next, so it lives 5 to 10 minutes.
pub const STORE_CODE_WINDOW_MS: i64 = 5 * 60 * 1000;

/// The code a store's till shows for in-store claims in time window `window`: 8 symbols (40 bits)
/// of HMAC-SHA-256(till secret, `store:<campaign>/<merchant>:<window>`), readable aloud.
pub fn store_code(secret: &[u8], campaign: &str, merchant: &str, window: i64) -> String {
    use hmac::Mac;
    let Ok(mut mac) = hmac::Hmac::<Sha256>::new_from_slice(secret) else { return String::new() };
    mac.update(format!("store:{campaign}/{merchant}:{window}").as_bytes());
    let bytes = mac.finalize().into_bytes();
    // 40 bits as 8 base32 symbols.
    let bits = bytes.iter().take(5).fold(0u64, |bits, byte| (bits << 8) | u64::from(*byte));
    (0..8).rev().map(|index| char::from(ALPHABET[((bits >> (index * 5)) & 31) as usize])).collect()
}

/// Whether `code` is the store's code now or in the window before (case and spacing ignored).
pub fn store_code_valid(secret: &[u8], campaign: &str, merchant: &str, code: &str, now_ms: i64) -> bool {
    let typed: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect();
    let window = now_ms.div_euclid(STORE_CODE_WINDOW_MS);
    // Compared as digests, so the time taken says nothing of how much of the code was right.
    [window, window - 1].iter().any(|window| digest(&store_code(secret, campaign, merchant, *window)) == digest(&typed))
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
    hex::encode(Sha256::digest(text.as_bytes()))
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
                hex::encode(mac.finalize().into_bytes())
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
    fn a_store_code_lives_five_to_ten_minutes_and_names_one_store() {
        let secret = b"till-secret-for-the-test";
        let now: i64 = 1_700_000_000_000;
        let code = store_code(secret, "shenyang", "sy-00008", now.div_euclid(STORE_CODE_WINDOW_MS));
        assert_eq!(code.len(), 8);
        assert!(store_code_valid(secret, "shenyang", "sy-00008", &code.to_lowercase(), now), "typed in lower case");
        assert!(store_code_valid(secret, "shenyang", "sy-00008", &code, now + STORE_CODE_WINDOW_MS), "still in the next window");
        assert!(!store_code_valid(secret, "shenyang", "sy-00008", &code, now + 2 * STORE_CODE_WINDOW_MS), "expired after that");
        assert!(!store_code_valid(secret, "shenyang", "sy-00013", &code, now), "another store's code");
        assert!(!store_code_valid(b"another-secret-entirely", "shenyang", "sy-00008", &code, now));
    }

    #[test]
    fn digests_are_hex_sha256() {
        assert_eq!(digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
