//! The service over real HTTP, each test with its own service and database, in one test binary:
//! tests of different files run side by side, and the service is linked once. The tests named
//! `postgres_` run on PostgreSQL (`HUIQUAN_TEST_POSTGRES`'s server, or one they start);
//! `scripts/test.sh` runs them, and the whole suite again, on a server it starts.

mod api;
mod common;
mod connections;
mod engines;
mod hosts;
mod http;
mod openapi_fuzz;
mod security_headers;
mod storm;
