//! SQLite front: the generic virtual table, SQL functions and the loadable-extension entry point.
//!
//! [`register`] is the one registration function; the extension entry point and the binaries
//! both call it.

mod ext;
mod functions;
mod meta;
mod vtab;

use std::sync::Arc;

use rusqlite::vtab::Module;
use rusqlite::Connection;

use crate::engine::Engine;

pub use ext::sqlite3_githubsql_init;
pub use vtab::TableSpec;

/// Registers one eponymous table per resource of the engine's provider, one SQL function per
/// EXEC method, the metadata tables (`github_sql_methods`, …) and `github_sql_version()`.
pub fn register(conn: &Connection, engine: &Engine) -> rusqlite::Result<()> {
    const MODULE: &Module<'static, vtab::ResourceTable> =
        &vtab::with_savepoints(Module::update_module_with_tx());
    for resource in engine.provider.resources() {
        let spec = Arc::new(TableSpec {
            resource: resource.clone(),
            client: engine.client.clone(),
            allow_in_views: engine.allow_in_views,
            decoder: crate::rows::RowDecoder::new(resource),
        });
        conn.create_module(resource.name.as_str(), MODULE, Some(spec))?;
    }
    functions::register(conn, engine)?;
    meta::register(conn, &engine.provider)?;
    Ok(())
}
