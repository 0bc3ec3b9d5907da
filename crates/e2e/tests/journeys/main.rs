//! End to end: the built app in headless Chromium against the real service, one resident's
//! journey per test. One test binary, so that tests of different files run side by side (each
//! test has its own service, chromedriver and browser; most of a test is waiting for them).

mod claim;
mod csp;
mod dist;
mod elder;
mod fair_start;
mod family;
mod figures;
mod gateway;
mod hant;
mod host;
mod round_trips;
mod session;
mod tianjin;
mod wallet;
