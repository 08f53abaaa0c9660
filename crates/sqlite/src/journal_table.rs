//! `github_sql_journal`: the write journal as a read-only table, read from the file at every
//! scan (the engine parses it, so every front end shows the same rows).

use std::path::PathBuf;
use std::sync::Arc;

use rusqlite::vtab::{Module, VTabConfig};
use rusqlite::Connection;

use github_sql_engine::journal;

use crate::listing::{Listing, ListingTable};

/// The journal at a path (none when journaling is off: no rows).
pub(crate) struct Journal(Option<PathBuf>);

impl Listing for Journal {
    const NAME: &'static str = "github_sql_journal";

    fn columns(&self) -> String {
        journal::COLUMNS
            .iter()
            .map(|c| {
                let ty = match *c {
                    "status" => " INTEGER",
                    "params" => " JSON",
                    _ => " TEXT",
                };
                format!("{c}{ty}")
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn config(&self) -> Option<VTabConfig> {
        // Reading a local file the user owns: harmless from a view.
        Some(VTabConfig::Innocuous)
    }

    fn rows(&self) -> rusqlite::Result<Vec<Vec<github_sql_engine::Value>>> {
        let entries = match self.0.as_ref() {
            Some(p) => journal::read(p).map_err(|e| {
                rusqlite::Error::ModuleError(format!(
                    "cannot read the write journal {}: {e}",
                    p.display()
                ))
            })?,
            None => Vec::new(),
        };
        Ok(entries
            .iter()
            .map(|e| e.values().into_iter().collect())
            .collect())
    }
}

/// Registers `github_sql_journal` over the journal at `path` (empty when journaling is off).
pub fn register(conn: &Connection, path: Option<PathBuf>) -> rusqlite::Result<()> {
    const MODULE: &Module<'static, ListingTable<Journal>> = &Module::read_only_module();
    conn.create_module(Journal::NAME, MODULE, Some(Arc::new(Journal(path))))
}
