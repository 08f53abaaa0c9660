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
    aggregate, connections, engine, examples, exec, http, journal, logging, plan, rows, scan,
    settings, spec, write, Engine, Value,
};
pub use vtab::{AggregateSpec, TableSpec};

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
    // The connection's requests count into its own tally (`github_sql_last_stats()`).
    let engine = &engine.with_tally(state.tally());
    for resource in engine.provider.resources() {
        let mut spec = TableSpec::new(
            Arc::new(scan::Table::new(resource.clone(), engine.client.clone())),
            engine.allow_in_views,
            state.clone(),
        );
        spec.follows_default = true;
        register_names(conn, "", resource, Arc::new(spec))?;
    }
    register_connections(conn, engine, &state)?;
    functions::register(conn, engine, state.clone())?;
    functions::register_confirm(conn, state.clone())?;
    functions::register_last_writes(conn, state.clone())?;
    functions::register_last_stats(conn, state.clone())?;
    rate_table::register(conn, engine.client.clone(), engine.connection_clients())?;
    functions::register_download(conn, engine, state.clone())?;
    queue_table::register(conn, state)?;
    journal_table::register(conn, engine.client.config().journal.clone())?;
    meta::register(conn, &engine.provider)?;
    Ok(())
}

/// Registers a resource's table under `prefix` + its name, and + its service-qualified name
/// when that differs (`actions_secrets`), so a query keeps working when another service with the
/// same resource name is loaded.
fn register_names(
    conn: &Connection,
    prefix: &str,
    resource: &Arc<spec::Resource>,
    spec: Arc<TableSpec>,
) -> rusqlite::Result<()> {
    const MODULE: &Module<'static, vtab::ResourceTable> =
        &savepoints::with_savepoints(Module::update_module_with_tx());
    conn.create_module(
        format!("{prefix}{}", resource.name).as_str(),
        MODULE,
        Some(spec.clone()),
    )?;
    if !resource.qualified.eq_ignore_ascii_case(&resource.name) {
        conn.create_module(
            format!("{prefix}{}", resource.qualified).as_str(),
            MODULE,
            Some(spec),
        )?;
    }
    Ok(())
}

/// Every named connection's tables (`acme__org_versions`, `acme__packages_org_versions`), and
/// every aggregator's (the same names under its own prefix, with `_connection`).
fn register_connections(
    conn: &Connection,
    engine: &Engine,
    state: &Arc<session::ConnState>,
) -> rusqlite::Result<()> {
    use github_sql_engine::connections::{Connection as Named, SEPARATOR};
    if engine.connections.list.is_empty() {
        return Ok(());
    }
    let clients = engine.connection_clients();
    for resource in engine.provider.resources() {
        let mut tables: Vec<(String, Arc<scan::Table>)> = Vec::new();
        for (name, client) in &clients {
            let table = Arc::new(scan::Table::new(resource.clone(), client.clone()));
            tables.push((name.clone(), table.clone()));
            let spec = TableSpec::new(table, engine.allow_in_views, state.clone());
            register_names(
                conn,
                &format!("{name}{SEPARATOR}"),
                resource,
                Arc::new(spec),
            )?;
        }
        for c in &engine.connections.list {
            let Named::Aggregate {
                name,
                members,
                skip_failures,
            } = c
            else {
                continue;
            };
            let members: Vec<github_sql_engine::aggregate::Member> = members
                .iter()
                .filter_map(|m| {
                    let (_, t) = tables.iter().find(|(n, _)| n == m)?;
                    Some(github_sql_engine::aggregate::Member {
                        name: m.clone(),
                        table: t.clone(),
                    })
                })
                .collect();
            let Some(first) = members.first() else {
                continue;
            };
            let mut spec =
                TableSpec::new(first.table.clone(), engine.allow_in_views, state.clone());
            spec.aggregate = Some(vtab::AggregateSpec {
                name: name.clone(),
                members,
                skip_failures: *skip_failures,
            });
            register_names(
                conn,
                &format!("{name}{SEPARATOR}"),
                resource,
                Arc::new(spec),
            )?;
        }
    }
    functions::register_connect(conn, engine, clients, state.clone())?;
    Ok(())
}
