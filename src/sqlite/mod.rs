//! SQLite front: the generic virtual table, SQL functions and the loadable-extension entry point.
//!
//! [`register`] is the one registration function; the extension entry point and the binaries
//! both call it.

mod ext;
mod vtab;

use std::sync::Arc;

use rusqlite::functions::FunctionFlags;
use rusqlite::vtab::Module;
use rusqlite::Connection;

use crate::engine::Engine;

pub use ext::sqlite3_githubsql_init;
pub use vtab::TableSpec;

/// Registers one eponymous table per resource of the engine's provider, plus
/// `github_sql_version()`.
pub fn register(conn: &Connection, engine: &Engine) -> rusqlite::Result<()> {
    const MODULE: &Module<'static, vtab::ResourceTable> = &Module::read_only_module();
    for resource in engine.provider.resources() {
        let spec = Arc::new(TableSpec {
            resource: resource.clone(),
            client: engine.client.clone(),
        });
        conn.create_module(resource.name.as_str(), MODULE, Some(spec))?;
    }
    conn.create_scalar_function(
        "github_sql_version",
        0,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |_| Ok(env!("CARGO_PKG_VERSION")),
    )?;
    Ok(())
}
