//! `github_sql_queue`: what the connection's open transaction will send at COMMIT, one row per
//! queued write (`SELECT * FROM github_sql_queue` before COMMIT shows it).
//!
//! It also lets a front end that queues writes itself (the shell's direct DELETE, which needs no
//! listing) take part in the transaction: `DELETE FROM github_sql_queue WHERE 0` deletes nothing
//! but joins the table to the transaction, so its `xSync` sends the queue at COMMIT and its
//! savepoint callbacks mark and take back, exactly as a provider table's would.

use std::sync::Arc;

use rusqlite::types::ValueRef;
use rusqlite::vtab::{Inserts, Module, TransactionVTab, UpdateVTab, Updates, VTabConfig};
use rusqlite::Connection;

use github_sql_engine::write::Kind;

use crate::listing::{Listing, ListingTable};
use crate::session::ConnState;
use crate::vtab::guard;

/// The table's name.
pub const NAME: &str = "github_sql_queue";

/// The queue of a connection's open transaction.
pub(crate) struct Queue(Arc<ConnState>);

impl Listing for Queue {
    const NAME: &'static str = NAME;

    fn columns(&self) -> String {
        "seq INTEGER, table_name TEXT, verb TEXT, method TEXT, args JSON".into()
    }

    fn config(&self) -> Option<VTabConfig> {
        None
    }

    fn rows(&self) -> rusqlite::Result<Vec<Vec<github_sql_engine::Value>>> {
        use github_sql_engine::Value as V;
        Ok(self.0.with_txn(|t| {
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
                    vec![
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
        }))
    }
}

impl UpdateVTab<'_> for ListingTable<Queue> {
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

impl TransactionVTab<'_> for ListingTable<Queue> {
    fn begin(&mut self) -> rusqlite::Result<()> {
        Ok(())
    }

    fn sync(&mut self) -> rusqlite::Result<()> {
        guard(|| {
            let deadline = github_sql_engine::http::Bounds::from_env().deadline;
            self.source.0.commit(deadline).map_err(Into::into)
        })
    }

    fn commit(&mut self) -> rusqlite::Result<()> {
        guard(|| {
            self.source.0.end_transaction();
            Ok(())
        })
    }

    fn rollback(&mut self) -> rusqlite::Result<()> {
        guard(|| {
            self.source.0.end_transaction();
            Ok(())
        })
    }
}

// SAFETY: `#[repr(C)]` with the `sqlite3_vtab` first.
unsafe impl crate::savepoints::QueueOwner for ListingTable<Queue> {
    fn state(&self) -> &ConnState {
        &self.source.0
    }
}

/// Registers `github_sql_queue` for this connection's state.
pub fn register(conn: &Connection, state: Arc<ConnState>) -> rusqlite::Result<()> {
    const MODULE: &Module<'static, ListingTable<Queue>> =
        &crate::savepoints::with_savepoints(Module::update_module_with_tx());
    conn.create_module(NAME, MODULE, Some(Arc::new(Queue(state))))
}
