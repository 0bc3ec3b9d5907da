//! The voucher rules, shared by the resident's app and the reference service.
//!
//! Pure Rust: no I/O, no HTTP, no DOM, no database. It compiles for wasm32 and native alike, so
//! the app and the service decide every rule the same way.

pub mod api;
pub mod campaign;
pub mod civil;
pub mod geofence;
pub mod money;
pub mod schedule;
pub mod text;

pub use campaign::{Campaign, CampaignError, ReleaseSchedule, Round, Scope, Theme, ThresholdBasis, Tier};
pub use geofence::{Boundary, Crs, Fix, LocateOptions, Verdict};
pub use money::Fen;
pub use text::{Lang, LocalizedText};
