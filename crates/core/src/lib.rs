//! The voucher rules, shared by the resident's app and the reference service.
//!
//! Pure Rust: no I/O, no HTTP, no DOM, no database. It compiles for wasm32 and native alike, so
//! the app and the service decide every rule the same way.

pub mod api;
pub mod campaign;
pub mod civil;
pub mod claim;
pub mod clock;
pub mod demo;
pub mod fair_start;
pub mod figures;
#[cfg(test)]
mod fixtures;
pub mod geofence;
pub mod identity;
#[cfg(test)]
mod interleavings;
pub mod money;
pub mod redemption;
pub mod retry;
pub mod rollover;
pub mod schedule;
pub mod text;
pub mod validity;
mod wire;
pub use wire::variant_index;

pub use campaign::{
    Area, Assumed, BoundaryRef, Campaign, CampaignError, Category, Eligibility, Figure, Limit, Offer, Pack, PackItem, Period,
    RedemptionRules, ReleaseSchedule, Round, RoundStock, Rules, Scope, Source, Theme, ThresholdBasis, Tier, Validity,
};
pub use claim::{ClaimRequest, Claimant, Grant, GrantedVoucher, History, PastClaim, PastUse, Refusal};
pub use geofence::{Boundary, Crs, Fix, LocateOptions, Verdict};
pub use identity::Identifier;
pub use money::Fen;
pub use redemption::{Order, OrderItem, RedeemRefusal, RefundKind, RefundOutcome};
pub use schedule::{Release, TierState};
pub use text::{Lang, LocalizedText};
