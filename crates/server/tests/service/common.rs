//! What several test files share: a PostgreSQL server to run against.

use std::path::PathBuf;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A PostgreSQL server for the `postgres_` tests: `HUIQUAN_TEST_POSTGRES`'s, or a throwaway one
/// that `scripts/postgres.sh` starts now and stops when this is dropped.
pub struct PostgresServer {
    pub url: String,
    throwaway: Option<tempfile::TempDir>,
}

impl PostgresServer {
    pub fn start() -> PostgresServer {
        if let Some(url) = std::env::var("HUIQUAN_TEST_POSTGRES").ok().filter(|url| !url.is_empty()) {
            return PostgresServer { url, throwaway: None };
        }
        PostgresServer::start_own()
    }

    /// A throwaway server of this test's own, whatever `HUIQUAN_TEST_POSTGRES` says (for a test
    /// that restarts it).
    pub fn start_own() -> PostgresServer {
        let state = tempfile::tempdir().expect("temp dir");
        let output = postgres_sh("start", &state).output().expect("scripts/postgres.sh runs");
        assert!(output.status.success(), "PostgreSQL did not start: {}", String::from_utf8_lossy(&output.stderr));
        let url = String::from_utf8(output.stdout).expect("a URL").trim().to_owned();
        PostgresServer { url, throwaway: Some(state) }
    }

    /// A new database's URL on this server (created by the first service that opens it).
    pub fn new_database(&self) -> String {
        format!("{}/huiquan_{:016x}", self.url.trim_end_matches('/'), rand::random::<u64>())
    }

    /// Restarts a server of this test's own (fast: every connection is cut, as in a failover).
    pub fn restart(&self) {
        let state = self.throwaway.as_ref().expect("only a test's own server is restarted");
        let status = postgres_sh("restart", state).status().expect("scripts/postgres.sh runs");
        assert!(status.success(), "PostgreSQL restarted");
    }
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        if let Some(state) = &self.throwaway {
            let _ = postgres_sh("stop", state).status();
        }
    }
}

/// `scripts/postgres.sh <verb>` on the server noted in `state`.
fn postgres_sh(verb: &str, state: &tempfile::TempDir) -> std::process::Command {
    let mut command = std::process::Command::new("bash");
    command.arg(repo().join("scripts/postgres.sh")).arg(verb).arg(state.path().join("pg"));
    command
}
