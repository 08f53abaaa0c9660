//! The GitHub client: configuration and auth, URL building, Link pagination, error mapping.
//!
//! One `reqwest` client and one tokio runtime serve the whole process (keep-alive across
//! connections); SQLite callbacks are synchronous, so calls go through [`block_on`].

mod client;
mod config;
mod error;
mod link;
mod pace;
mod runtime;

pub use client::{GitHubClient, Page};
pub use config::{ClientConfig, Token, API_URL_ENV, TOKEN_ENVS};
pub use error::HttpError;
pub use link::{parse_link_header, LinkRel};
pub use pace::{DEFAULT_WRITE_DELAY, WRITE_DELAY_ENV};
pub use runtime::{block_on, runtime};
