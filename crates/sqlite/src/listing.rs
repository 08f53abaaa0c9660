//! One read-only, eponymous table over rows its source makes when a scan starts: the write
//! journal (`github_sql_journal`), the rate-limit figures (`github_sql_rate_limit`) and the
//! transaction's queue (`github_sql_queue`). Each table is a [`Listing`]: its columns, where it
//! may be used from, and its rows; the virtual-table plumbing is here once.

use std::borrow::Cow;
use std::ffi::{c_int, CStr, CString};
use std::marker::PhantomData;
use std::sync::Arc;

use rusqlite::ffi;
use rusqlite::vtab::{
    Context, CreateVTab, Filters, IndexInfo, VTab, VTabConfig, VTabConnection, VTabCursor, VTabKind,
};

use github_sql_engine::Value;

use crate::value::to_sql;
use crate::vtab::guard;

/// What a listing table shows.
pub(crate) trait Listing: Send + Sync + 'static {
    /// The table's name, for errors.
    const NAME: &'static str;
    /// The column declarations, as `CREATE TABLE x(…)` takes them (`seq INTEGER, …`).
    fn columns(&self) -> String;
    /// Where the table may be used from: `Innocuous` (from views and triggers too),
    /// `DirectOnly` (not from a stored view: it sends a request with the token), or neither.
    fn config(&self) -> Option<VTabConfig>;
    /// The rows, read when a scan starts.
    fn rows(&self) -> rusqlite::Result<Vec<Vec<Value>>>;
}

/// The table (SQLite's `sqlite3_vtab`) of a listing.
#[repr(C)]
pub(crate) struct ListingTable<S: Listing> {
    base: ffi::sqlite3_vtab,
    /// What it shows.
    pub(crate) source: Arc<S>,
}

unsafe impl<'vtab, S: Listing> VTab<'vtab> for ListingTable<S> {
    type Aux = Arc<S>;
    type Cursor = ListingCursor<'vtab, S>;

    fn connect(
        db: &mut VTabConnection,
        aux: Option<&Self::Aux>,
        _: &[u8],
        _: &[u8],
        _: &[u8],
        _: &[&[u8]],
    ) -> rusqlite::Result<(Cow<'static, CStr>, Self)> {
        let source = aux.cloned().ok_or_else(|| {
            rusqlite::Error::ModuleError(format!("{} registered without its source", S::NAME))
        })?;
        if let Some(c) = source.config() {
            db.config(c)?;
        }
        let sql = CString::new(format!("CREATE TABLE x({})", source.columns()))?;
        Ok((
            Cow::Owned(sql),
            ListingTable {
                base: ffi::sqlite3_vtab::default(),
                source,
            },
        ))
    }

    fn best_index(&self, info: &mut IndexInfo) -> rusqlite::Result<bool> {
        info.set_estimated_cost(100.0);
        Ok(true)
    }

    fn open(&'vtab mut self) -> rusqlite::Result<ListingCursor<'vtab, S>> {
        Ok(ListingCursor {
            base: ffi::sqlite3_vtab_cursor::default(),
            source: self.source.clone(),
            rows: Vec::new(),
            row: 0,
            phantom: PhantomData,
        })
    }
}

impl<S: Listing> CreateVTab<'_> for ListingTable<S> {
    const KIND: VTabKind = VTabKind::Eponymous;
}

/// A scan of a listing: the rows its source made at `filter`.
#[repr(C)]
pub(crate) struct ListingCursor<'vtab, S: Listing> {
    base: ffi::sqlite3_vtab_cursor,
    source: Arc<S>,
    rows: Vec<Vec<Value>>,
    row: usize,
    phantom: PhantomData<&'vtab ListingTable<S>>,
}

unsafe impl<S: Listing> VTabCursor for ListingCursor<'_, S> {
    fn filter(&mut self, _: c_int, _: Option<&str>, _: &Filters<'_>) -> rusqlite::Result<()> {
        guard(|| {
            self.row = 0;
            self.rows = self.source.rows()?;
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
                .unwrap_or(Value::Null);
            ctx.set_result(to_sql(v))
        })
    }

    fn rowid(&self) -> rusqlite::Result<i64> {
        Ok(i64::try_from(self.row).unwrap_or(i64::MAX))
    }
}
