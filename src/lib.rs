//! github-sql: StackQL-style SQL over the GitHub Packages REST API.
//!
//! Data flows one way:
//! [`spec`] (provider document) → [`plan`] (constraints → method and parameters) →
//! [`http`] (GitHub client) → [`rows`] → [`sqlite`] (virtual tables, functions, extension entry)
//! → front ends ([`shell`], [`serve`]). [`fake`] is the project's own GitHub double for tests
//! and `--demo`; [`docs`] renders the reference pages from the document.

pub mod docs;
pub mod engine;
pub mod error;
pub mod exec;
pub mod fake;
pub mod http;
pub mod logging;
pub mod plan;
pub mod rows;
pub mod serve;
pub mod shell;
pub mod spec;
pub mod sqlite;

pub use engine::Engine;
pub use error::{Error, Result};
pub use sqlite::register;
