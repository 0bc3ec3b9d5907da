//! Helpers live beside the tests in `tests/`; this crate has no library code.
