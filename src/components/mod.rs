//! Pieces shared by the pages.

mod account;
mod claim_button;
mod error_view;
mod header;
pub(crate) mod offer_status;
mod pack_card;
mod sign_in;
pub(crate) mod store_code;
mod tier_card;
mod when;

pub use account::{PartnerSwitchArea, PartnerSwitchPrompt, SignOut, signed_in_as_words};
pub use claim_button::ClaimButton;
pub use error_view::ErrorView;
pub use header::{Header, HostFooter, LanguageSwitch};
pub use offer_status::{OfferState, OfferStatus, countdown_announcement, countdown_words, use_offer_state};
pub use pack_card::PackCard;
pub use sign_in::{SignIn, normalized_phone};
pub use store_code::claim_code_in;
pub use tier_card::{CardFigures, TierCard};
pub use when::When;
