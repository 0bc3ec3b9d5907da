//! Pieces shared by the pages.

mod error_view;
mod header;
mod tier_card;

pub use error_view::ErrorView;
pub use header::{Header, LanguageSwitch};
pub use tier_card::TierCard;
