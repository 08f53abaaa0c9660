//! github-sql's SQLite front end: one generic virtual table per resource of the provider
//! document, one SQL function per EXEC method, the metadata tables, and the loadable-extension
//! entry point (`libgithub_sql.so`).
//!
//! [`register`] is the one registration function; the extension entry point and the shell both
//! call it. Planning, fetching and decoding are the engine's (`github_sql_engine`, re-exported
//! here so the Rust library reads as one crate).

pub mod ddl;
pub mod error;
mod ext;
mod functions;
mod journal_table;
mod listing;
mod meta;
mod queue_table;
mod rate_table;
mod savepoints;
pub mod session;
pub mod value;
mod vtab;

use std::sync::Arc;

use rusqlite::vtab::Module;
use rusqlite::Connection;

pub use error::{Error, Result};
pub use ext::sqlite3_githubsql_init;
pub use github_sql_engine::{
    engine, examples, exec, http, journal, logging, plan, rows, scan, settings, spec, write,
    Engine, Value,
};
pub use vtab::TableSpec;

/// Registers one eponymous table per resource of the engine's provider, one SQL function per
/// EXEC method, the metadata tables (`github_sql_methods`, …), `github_sql_rate_limit`,
/// `github_sql_last_stats()` and `github_sql_version()`.
pub fn register(conn: &Connection, engine: &Engine) -> rusqlite::Result<()> {
    let state = session::ConnState::new();
    // SAFETY: the handle is only used to ask SQLite's interrupt flag while this connection runs.
    state.set_interrupt(session::sqlite_interrupt_check(unsafe { conn.handle() }));
    register_with(conn, engine, state)
}

/// [`register`] with a state the caller keeps (the shell sets the interrupt check, `--yes` and
/// `--dry-run` there, and reads what DELETEs did).
pub fn register_with(
    conn: &Connection,
    engine: &Engine,
    state: Arc<session::ConnState>,
) -> rusqlite::Result<()> {
    const MODULE: &Module<'static, vtab::ResourceTable> =
        &savepoints::with_savepoints(Module::update_module_with_tx());
    // The connection's requests count into its own tally (`github_sql_last_stats()`).
    let engine = &Engine {
        client: engine.client.with_tally(state.tally()),
        ..engine.clone()
    };
    for resource in engine.provider.resources() {
        let spec = Arc::new(TableSpec {
            table: Arc::new(scan::Table::new(resource.clone(), engine.client.clone())),
            allow_in_views: engine.allow_in_views,
            state: state.clone(),
        });
        conn.create_module(resource.name.as_str(), MODULE, Some(spec.clone()))?;
        // The service-qualified name always exists (`actions_secrets`), so a query keeps
        // working when another service with the same resource name is loaded.
        if !resource.qualified.eq_ignore_ascii_case(&resource.name) {
            conn.create_module(resource.qualified.as_str(), MODULE, Some(spec))?;
        }
    }
    functions::register(conn, engine, state.clone())?;
    functions::register_confirm(conn, state.clone())?;
    functions::register_last_writes(conn, state.clone())?;
    functions::register_last_stats(conn, state.clone())?;
    rate_table::register(conn, engine.client.clone())?;
    functions::register_download(conn, engine, state.clone())?;
    queue_table::register(conn, state)?;
    journal_table::register(conn, engine.client.config().journal.clone())?;
    meta::register(conn, &engine.provider)?;
    Ok(())
}
