//! The resident's wallet, kept on the device: the last answer of `GET /api/v1/wallet` and when it
//! came, so the wallet opens with no network, marked with how old it is. It is kept with the
//! resident it belongs to and only ever read back for them (a phone is often shared).

use huiquan_core::{
    Campaign,
    api::{VoucherStatus, WalletVoucher},
};
use serde::{Deserialize, Serialize};

const STORAGE_KEY: &str = "huiquan.wallet";

/// A wallet as last synced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeptWallet {
    /// Whose wallet it is (`SignedIn::resident`).
    pub resident: i64,
    pub vouchers: Vec<WalletVoucher>,
    /// The service's time when it answered (milliseconds since the epoch).
    pub synced_at_ms: i64,
    /// The campaigns of those vouchers, for their names, rules and time zones.
    #[serde(skip)]
    pub campaigns: Vec<Campaign>,
    /// The same campaigns as the service sent them, which is what is kept: the app then needs
    /// no code to write a campaign out again (a serialiser of every campaign type, 2 KB brotli).
    campaign_json: Vec<String>,
}

impl KeptWallet {
    /// A wallet with its campaigns read from the service's JSON (one that does not read is left
    /// out: its vouchers show without their campaign's words, as when it could not be fetched).
    pub fn new(resident: i64, vouchers: Vec<WalletVoucher>, synced_at_ms: i64, campaign_json: Vec<String>) -> KeptWallet {
        let mut wallet = KeptWallet { resident, vouchers, synced_at_ms, campaigns: Vec::new(), campaign_json };
        wallet.read_campaigns();
        wallet
    }

    fn read_campaigns(&mut self) {
        self.campaigns = self.campaign_json.iter().filter_map(|json| crate::json::from_str(json).ok()).collect();
    }
}

/// Where a voucher goes on the wallet page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// Unused and unexpired, as the service said just now.
    Usable,
    /// Unused and unexpired when last synced: maybe used elsewhere since, so never shown as
    /// certainly usable.
    UsableWhenSynced,
    Used,
    Expired,
}

impl Group {
    /// The group's name in the page (`data-group`), for styles and tests.
    pub fn name(self) -> &'static str {
        match self {
            Group::Usable => "Usable",
            Group::UsableWhenSynced => "UsableWhenSynced",
            Group::Used => "Used",
            Group::Expired => "Expired",
        }
    }
}

/// The group of a voucher at `now_ms`; `fresh` when the wallet was just read from the service.
pub fn group_of(voucher: &WalletVoucher, now_ms: i64, fresh: bool) -> Group {
    match voucher.status {
        VoucherStatus::Used => Group::Used,
        // Expiry is an instant: it passes offline too.
        _ if now_ms >= voucher.expires_at_ms => Group::Expired,
        VoucherStatus::Expired => Group::Expired,
        VoucherStatus::Unused if fresh => Group::Usable,
        VoucherStatus::Unused => Group::UsableWhenSynced,
    }
}

fn storage() -> Option<web_sys::Storage> {
    leptos::prelude::window().local_storage().ok().flatten()
}

/// The wallet kept on this device for `resident`, if any. One kept for anyone else (or from before
/// wallets named their resident) is removed, never returned.
pub fn kept_for(resident: i64) -> Option<KeptWallet> {
    let text = storage()?.get_item(STORAGE_KEY).ok().flatten()?;
    match crate::json::from_str::<KeptWallet>(&text) {
        Ok(mut wallet) if wallet.resident == resident => {
            wallet.read_campaigns();
            Some(wallet)
        }
        _ => {
            forget();
            None
        }
    }
}

/// Keeps a freshly synced wallet.
pub fn keep(wallet: &KeptWallet) {
    if let (Some(storage), Some(json)) = (storage(), crate::json::to_string(wallet)) {
        // Full storage: the wallet still shows now, it just will not open offline.
        let _ = storage.set_item(STORAGE_KEY, &json);
    }
}

/// Removes the kept wallet (sign-out, a session the service no longer knows, another resident).
pub fn forget() {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(STORAGE_KEY);
    }
}
