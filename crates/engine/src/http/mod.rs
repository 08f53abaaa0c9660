//! The GitHub client: configuration and auth, URL building, Link pagination, error mapping.
//!
//! One `reqwest` client and one tokio runtime serve the whole process (keep-alive across
//! connections); SQLite callbacks are synchronous, so calls go through [`block_on`].

mod cache;
mod client;
mod config;
mod error;
mod link;
mod pace;
pub mod pages;
pub mod registry;
pub mod retry;
mod runtime;

pub use client::{request_count, GitHubClient, Page, RawPage};
pub use config::{
    ClientConfig, RetryPolicy, Token, API_URL_ENV, CACHE_ENV, CONCURRENCY_ENV, MAX_WAIT_ENV,
    TIMEOUT_ENV, TOKEN_ENVS,
};
pub use error::HttpError;
pub use link::{parse_link_header, LinkRel};
pub use pace::{DEFAULT_WRITE_DELAY, WRITE_DELAY_ENV};
pub use runtime::{block_on, runtime};
