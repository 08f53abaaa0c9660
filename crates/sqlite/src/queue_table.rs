//! `github_sql_queue`: what the connection's open transaction will send at COMMIT, one row per
//! queued write (`SELECT * FROM github_sql_queue` before COMMIT shows it).
//!
//! It also lets a front end that queues writes itself (the shell's direct DELETE, which needs no
//! listing) take part in the transaction: `DELETE FROM github_sql_queue WHERE 0` deletes nothing
//! but joins the table to the transaction, so its `xSync` sends the queue at COMMIT and its
//! savepoint callbacks mark and take back, exactly as a provider table's would.

use std::borrow::Cow;
use std::ffi::{c_int, CStr, CString};
use std::marker::PhantomData;
use std::sync::Arc;

use rusqlite::ffi;
use rusqlite::types::ValueRef;
use rusqlite::vtab::{
    Context, CreateVTab, Filters, IndexInfo, Inserts, Module, TransactionVTab, UpdateVTab, Updates,
    VTab, VTabConnection, VTabCursor, VTabKind,
};
use rusqlite::Connection;

use github_sql_engine::write::Kind;

use crate::session::ConnState;
use crate::vtab::guard;

/// The table's name.
pub const NAME: &str = "github_sql_queue";

#[repr(C)]
pub(crate) struct QueueTable {
    base: ffi::sqlite3_vtab,
    state: Arc<ConnState>,
}

unsafe impl<'vtab> VTab<'vtab> for QueueTable {
    type Aux = Arc<ConnState>;
    type Cursor = QueueCursor<'vtab>;

    fn connect(
        _db: &mut VTabConnection,
        aux: Option<&Self::Aux>,
        _: &[u8],
        _: &[u8],
        _: &[u8],
        _: &[&[u8]],
    ) -> rusqlite::Result<(Cow<'static, CStr>, Self)> {
        let state = aux.cloned().ok_or_else(|| {
            rusqlite::Error::ModuleError("github_sql_queue registered without its state".into())
        })?;
        let sql = CString::new(
            "CREATE TABLE x(seq INTEGER, table_name TEXT, verb TEXT, method TEXT, args JSON)",
        )?;
        Ok((
            Cow::Owned(sql),
            QueueTable {
                base: ffi::sqlite3_vtab::default(),
                state,
            },
        ))
    }

    fn best_index(&self, info: &mut IndexInfo) -> rusqlite::Result<bool> {
        info.set_estimated_cost(10.0);
        Ok(true)
    }

    fn open(&'vtab mut self) -> rusqlite::Result<QueueCursor<'vtab>> {
        Ok(QueueCursor {
            base: ffi::sqlite3_vtab_cursor::default(),
            state: self.state.clone(),
            rows: Vec::new(),
            row: 0,
            phantom: PhantomData,
        })
    }
}

impl CreateVTab<'_> for QueueTable {
    const KIND: VTabKind = VTabKind::Eponymous;
}

impl UpdateVTab<'_> for QueueTable {
    fn delete(&mut self, _: ValueRef<'_>) -> rusqlite::Result<()> {
        Err(rusqlite::Error::ModuleError(
            "github_sql_queue is read-only: ROLLBACK (or ROLLBACK TO a savepoint) takes queued writes back".into(),
        ))
    }

    fn insert(&mut self, _: &Inserts<'_>) -> rusqlite::Result<i64> {
        Err(rusqlite::Error::ModuleError(
            "github_sql_queue is read-only".into(),
        ))
    }

    fn update(&mut self, _: &Updates<'_>) -> rusqlite::Result<()> {
        Err(rusqlite::Error::ModuleError(
            "github_sql_queue is read-only".into(),
        ))
    }
}

impl TransactionVTab<'_> for QueueTable {
    fn begin(&mut self) -> rusqlite::Result<()> {
        Ok(())
    }

    fn sync(&mut self) -> rusqlite::Result<()> {
        guard(|| {
            let deadline = github_sql_engine::http::Bounds::from_env().deadline;
            self.state.commit(deadline).map_err(Into::into)
        })
    }

    fn commit(&mut self) -> rusqlite::Result<()> {
        guard(|| {
            self.state.end_transaction();
            Ok(())
        })
    }

    fn rollback(&mut self) -> rusqlite::Result<()> {
        guard(|| {
            self.state.end_transaction();
            Ok(())
        })
    }
}

#[repr(C)]
pub(crate) struct QueueCursor<'vtab> {
    base: ffi::sqlite3_vtab_cursor,
    state: Arc<ConnState>,
    rows: Vec<[github_sql_engine::Value; 5]>,
    row: usize,
    phantom: PhantomData<&'vtab QueueTable>,
}

unsafe impl VTabCursor for QueueCursor<'_> {
    fn filter(&mut self, _: c_int, _: Option<&str>, _: &Filters<'_>) -> rusqlite::Result<()> {
        use github_sql_engine::Value as V;
        guard(|| {
            self.row = 0;
            self.rows = self.state.with_txn(|t| {
                t.queue
                    .entries()
                    .iter()
                    .enumerate()
                    .map(|(i, q)| {
                        let r = &q.table.resource;
                        let (verb, method, args) = match &q.kind {
                            Kind::Delete(t) => ("DELETE", t.method, &t.args),
                            Kind::Write(w) => (w.verb, w.method, &w.args),
                        };
                        [
                            V::Integer(i64::try_from(i + 1).unwrap_or(i64::MAX)),
                            V::Text(r.name.clone()),
                            V::Text(verb.into()),
                            V::Text(
                                r.methods
                                    .get(method)
                                    .map(|m| m.name.clone())
                                    .unwrap_or_default(),
                            ),
                            V::Text(github_sql_engine::journal::params_json(args).to_string()),
                        ]
                    })
                    .collect()
            });
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
                .and_then(|i| self.rows.get(self.row).and_then(|r| r.get(i).cloned()))
                .unwrap_or(github_sql_engine::Value::Null);
            ctx.set_result(crate::value::to_sql(v))
        })
    }

    fn rowid(&self) -> rusqlite::Result<i64> {
        Ok(i64::try_from(self.row).unwrap_or(i64::MAX))
    }
}

// SAFETY: `#[repr(C)]` with the `sqlite3_vtab` first.
unsafe impl crate::savepoints::QueueOwner for QueueTable {
    fn state(&self) -> &ConnState {
        &self.state
    }
}

/// Registers `github_sql_queue` for this connection's state.
pub fn register(conn: &Connection, state: Arc<ConnState>) -> rusqlite::Result<()> {
    const MODULE: &Module<'static, QueueTable> =
        &crate::savepoints::with_savepoints(Module::update_module_with_tx());
    conn.create_module(NAME, MODULE, Some(state))
}
