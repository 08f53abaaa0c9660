//! `github_sql_journal`: the write journal as a read-only table, read from the file at every
//! scan (the engine parses it, so every front end shows the same rows).

use std::borrow::Cow;
use std::ffi::{c_int, CStr, CString};
use std::marker::PhantomData;
use std::path::PathBuf;
use std::sync::Arc;

use rusqlite::ffi;
use rusqlite::vtab::{
    Context, CreateVTab, Filters, IndexInfo, Module, VTab, VTabConfig, VTabConnection, VTabCursor,
    VTabKind,
};
use rusqlite::Connection;

use github_sql_engine::journal;

use crate::value::to_sql;
use crate::vtab::guard;

#[repr(C)]
struct JournalTable {
    base: ffi::sqlite3_vtab,
    path: Arc<Option<PathBuf>>,
}

unsafe impl<'vtab> VTab<'vtab> for JournalTable {
    type Aux = Arc<Option<PathBuf>>;
    type Cursor = JournalCursor<'vtab>;

    fn connect(
        db: &mut VTabConnection,
        aux: Option<&Self::Aux>,
        _: &[u8],
        _: &[u8],
        _: &[u8],
        _: &[&[u8]],
    ) -> rusqlite::Result<(Cow<'static, CStr>, Self)> {
        // Reading a local file the user owns: harmless from a view.
        db.config(VTabConfig::Innocuous)?;
        let cols: Vec<String> = journal::COLUMNS
            .iter()
            .map(|c| {
                let ty = match *c {
                    "status" => " INTEGER",
                    "params" => " JSON",
                    _ => " TEXT",
                };
                format!("{c}{ty}")
            })
            .collect();
        let sql = CString::new(format!("CREATE TABLE x({})", cols.join(", ")))?;
        Ok((
            Cow::Owned(sql),
            JournalTable {
                base: ffi::sqlite3_vtab::default(),
                path: aux.cloned().unwrap_or_default(),
            },
        ))
    }

    fn best_index(&self, info: &mut IndexInfo) -> rusqlite::Result<bool> {
        info.set_estimated_cost(1000.0);
        Ok(true)
    }

    fn open(&'vtab mut self) -> rusqlite::Result<JournalCursor<'vtab>> {
        Ok(JournalCursor {
            base: ffi::sqlite3_vtab_cursor::default(),
            path: self.path.clone(),
            rows: Vec::new(),
            row: 0,
            phantom: PhantomData,
        })
    }
}

impl CreateVTab<'_> for JournalTable {
    const KIND: VTabKind = VTabKind::Eponymous;
}

#[repr(C)]
struct JournalCursor<'vtab> {
    base: ffi::sqlite3_vtab_cursor,
    path: Arc<Option<PathBuf>>,
    rows: Vec<journal::Entry>,
    row: usize,
    phantom: PhantomData<&'vtab JournalTable>,
}

unsafe impl VTabCursor for JournalCursor<'_> {
    fn filter(&mut self, _: c_int, _: Option<&str>, _: &Filters<'_>) -> rusqlite::Result<()> {
        guard(|| {
            self.row = 0;
            self.rows = match self.path.as_ref() {
                Some(p) => journal::read(p).map_err(|e| {
                    rusqlite::Error::ModuleError(format!(
                        "cannot read the write journal {}: {e}",
                        p.display()
                    ))
                })?,
                None => Vec::new(),
            };
            Ok(())
        })
    }

    fn next(&mut self) -> rusqlite::Result<()> {
        self.row += 1;
        Ok(())
    }

    fn eof(&self) -> bool {
        self.row >= self.rows.len()
    }

    fn column(&self, ctx: &mut Context, i: c_int) -> rusqlite::Result<()> {
        guard(|| {
            let v = usize::try_from(i)
                .ok()
                .and_then(|i| {
                    self.rows
                        .get(self.row)
                        .and_then(|r| r.values().into_iter().nth(i))
                })
                .unwrap_or(github_sql_engine::Value::Null);
            ctx.set_result(to_sql(v))
        })
    }

    fn rowid(&self) -> rusqlite::Result<i64> {
        Ok(i64::try_from(self.row).unwrap_or(i64::MAX))
    }
}

/// Registers `github_sql_journal` over the journal at `path` (empty when journaling is off).
pub fn register(conn: &Connection, path: Option<PathBuf>) -> rusqlite::Result<()> {
    const MODULE: &Module<'static, JournalTable> = &Module::read_only_module();
    conn.create_module("github_sql_journal", MODULE, Some(Arc::new(path)))
}
