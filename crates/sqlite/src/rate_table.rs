//! `github_sql_rate_limit`: GitHub's rate-limit figures per resource (`core`, `search`,
//! `graphql`, `code_search`, …) for the connection's token. Each scan asks `GET /rate_limit`
//! (which GitHub does not count) and keeps what it says; without a token, or when GitHub does
//! not answer it (a GitHub Enterprise Server with rate limits off), it shows the figures the last
//! answers of any process sharing the cache directory carried.

use std::sync::Arc;

use rusqlite::vtab::{Module, VTabConfig};
use rusqlite::Connection;

use github_sql_engine::http::{GitHubClient, Stop, RATE_COLUMNS};

use crate::listing::{Listing, ListingTable};

/// The figures of a client's token.
pub(crate) struct RateLimits(GitHubClient);

impl Listing for RateLimits {
    const NAME: &'static str = "github_sql_rate_limit";

    fn columns(&self) -> String {
        let cols: Vec<String> = RATE_COLUMNS
            .iter()
            .map(|c| {
                let ty = match *c {
                    "resource" | "reset_at" | "seen_at" => "TEXT",
                    _ => "INTEGER",
                };
                format!("\"{c}\" {ty}")
            })
            .collect();
        cols.join(", ")
    }

    fn config(&self) -> Option<VTabConfig> {
        // It sends a request with the token: not from views stored in a database file.
        Some(VTabConfig::DirectOnly)
    }

    fn rows(&self) -> rusqlite::Result<Vec<Vec<github_sql_engine::Value>>> {
        let client = &self.0;
        let figures = if client.config().token.is_some() {
            match client.refresh_rate_limits(&Stop::default()) {
                Ok(rows) => rows,
                Err(e) => {
                    tracing::debug!("GET /rate_limit failed, showing the last figures: {e}");
                    client.rate_limits()
                }
            }
        } else {
            client.rate_limits()
        };
        Ok(figures
            .iter()
            .map(|f| f.values().into_iter().collect())
            .collect())
    }
}

/// Registers `github_sql_rate_limit` for `client`'s token.
pub fn register(conn: &Connection, client: GitHubClient) -> rusqlite::Result<()> {
    const MODULE: &Module<'static, ListingTable<RateLimits>> = &Module::read_only_module();
    conn.create_module(RateLimits::NAME, MODULE, Some(Arc::new(RateLimits(client))))
}
