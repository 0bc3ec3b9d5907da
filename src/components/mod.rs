//! Pieces shared by the pages.

mod error_view;
mod header;
mod offer_status;
mod tier_card;

pub use error_view::ErrorView;
pub use header::{Header, LanguageSwitch};
pub use offer_status::{OfferStatus, countdown_announcement, countdown_words};
pub use tier_card::TierCard;
