//! The `github-sql` command's front end: `exec` and `shell` (StackQL's syntax over SQLite),
//! `docs` (reference pages from the provider document) and `serve` (a managed PostgreSQL with the
//! `github_sql` foreign data wrapper, for BI tools).

pub mod commands;
pub mod output;
pub mod progress;
pub mod repl;
pub mod rewrite;
pub mod session;
pub mod stackql;
pub mod suggest;

pub use github_sql::{Error, Result};
pub use repl::{run_exec, run_repl};
pub use session::{install_ctrl_c, Outcome, Session};
