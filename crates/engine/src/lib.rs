//! github-sql's engine: StackQL-style SQL over the GitHub REST API, without any SQL engine.
//!
//! Data flows one way:
//! [`spec`] (provider document → resources, columns, methods) → [`plan`] (constraints → method,
//! parameters, pushdown verdicts) → [`http`] (auth, paging, retries, cache) → [`scan`] and
//! [`rows`] (decoded rows) → the front ends, which live in their own crates: `github_sql` (SQLite
//! virtual tables and the loadable extension), `github_sql_shell` (the `github-sql` command) and
//! the Postgres foreign data wrapper. [`exec`] sends the calls that are not scans (EXEC methods);
//! [`write`] plans writes, queues them per transaction and sends them at COMMIT; [`examples`]
//! are the statements errors suggest, as data each front end writes in its own SQL. Nothing here
//! knows SQLite or Postgres: values cross the boundary as [`Value`].

pub mod aggregate;
pub mod connections;
pub mod engine;
pub mod error;
pub mod examples;
pub mod exec;
pub mod http;
pub mod journal;
pub mod kind;
pub mod logging;
pub mod plan;
pub mod rows;
pub mod scan;
pub mod settings;
pub mod spec;
pub mod table;
pub mod value;
pub mod write;

pub use engine::Engine;
pub use error::{Error, ErrorKind, Result};
pub use value::Value;
