//! The GitHub client: configuration and auth, URL building, Link pagination, error mapping.
//!
//! One `reqwest` client and one tokio runtime serve the whole process (keep-alive across
//! connections); SQLite callbacks are synchronous, so calls go through [`block_on`].

pub mod app;
mod cache;
mod client;
mod config;
pub mod disk;
mod error;
mod estimate;
mod link;
mod pace;
pub mod pages;
mod redact;
pub mod registry;
mod request;
pub mod retry;
mod runtime;
pub mod stop;
mod tally;
mod token;

pub use app::AppAuth;
pub use client::{request_count, GitHubClient, Page, RawPage, Sent};
pub use config::{
    cache_dir_from_env, store_from_env, Bounds, CacheStore, ClientConfig, Pacing, RetryPolicy,
    Token, API_URL_ENV, CACHE_DIR_ENV, CACHE_ENV, CACHE_MAX_AGE_ENV, CACHE_MAX_MB_ENV,
    CONCURRENCY_ENV, DEADLINE_ENV, DEFAULT_API_URL, DEFAULT_CACHE_MAX_MB, MAX_BODY_ENV,
    MAX_PAGES_ENV, MAX_SCAN_ENV, MAX_WAIT_ENV, POINTS_ENV, TIMEOUT_ENV, TOKEN_ENVS,
};
pub use config::{DEFAULT_WRITE_DELAY, WRITE_DELAY_ENV};
pub use error::HttpError;
pub use estimate::WriteEstimate;
pub use link::{parse_link_header, LinkRel};
pub use pace::{RateFigures, WriteSlot, RATE_COLUMNS};
pub use redact::{redact, register_secret};
pub use request::{Answer, Auth, CachePolicy, Paging, Pass, Redirects, Request};
pub use runtime::{block_on, runtime};
pub use stop::{Deadline, Stop};
pub use tally::{Stats, Tally};
