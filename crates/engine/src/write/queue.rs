//! One transaction's writes, queued until it commits: the one queue every front end keeps (a
//! SQLite connection's, a Postgres backend's), adapting only its transaction callbacks to it.
//!
//! - **Order.** Rows are sent in the order they were queued, INSERT/UPDATE/REPLACE before
//!   DELETE (as before), all tables of the transaction under one run id ([`crate::write::send`]).
//! - **Savepoints.** [`WriteQueue::savepoint`] marks where a savepoint (or a Postgres
//!   subtransaction) began; [`WriteQueue::rollback_to`] takes back exactly what was queued
//!   after it, [`WriteQueue::release`] keeps it.
//! - **Read your own deletes.** [`WriteQueue::hidden`] is what a scan of the same transaction
//!   must not return: the rows already queued for deletion (and, in a dry run, the rows earlier
//!   statements would have deleted), so every later statement sees what it would see had each
//!   statement run on its own.
//! - **The bulk rule.** A complete scan records how many rows it saw per group (a package);
//!   a DELETE that queues as many of a group's rows as its own scan saw deletes every row of it
//!   ([`crate::write::confirm`]). Counts of earlier statements never decide it.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::table::Table;
use crate::value::Value;
use crate::write::QueuedWrite;

/// A row to delete: the method chosen for the statement and its arguments.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// Index into the resource's methods.
    pub method: usize,
    /// Arguments by parameter name: the WHERE's values and the row's mapped fields.
    pub args: Vec<(String, Value)>,
}

/// A key identifying a row to one method: its key parameters' values as text, sorted by name.
pub type RowKey = Vec<(String, String)>;

/// The text a value is compared and labelled by.
pub fn render(v: &Value) -> String {
    match v {
        Value::Integer(i) => i.to_string(),
        Value::Text(t) => t.clone(),
        Value::Real(r) => r.to_string(),
        Value::Null => "NULL".into(),
        Value::Blob(_) => "blob".into(),
    }
}

impl Target {
    /// This target's key for its own method (what [`Hidden`] compares).
    pub fn key(&self, resource: &crate::spec::Resource) -> RowKey {
        let method = &resource.methods[self.method];
        let mut k: RowKey = crate::write::choose::key_params(method)
            .filter_map(|p| {
                self.args
                    .iter()
                    .find(|(n, _)| *n == p.name)
                    .map(|(n, v)| (n.clone(), render(v)))
            })
            .collect();
        k.sort();
        k
    }
}

/// What one queued entry does.
#[derive(Clone, Debug)]
pub enum Kind {
    /// A DELETE of one row.
    Delete(Target),
    /// An INSERT, UPDATE or REPLACE row.
    Write(QueuedWrite),
}

/// One queued write.
#[derive(Clone, Debug)]
pub struct Queued {
    /// The table (its resource and client).
    pub table: Arc<Table>,
    /// What to send.
    pub kind: Kind,
    /// The id of the scan that listed the row; `None` for a direct DELETE.
    pub scan: Option<u64>,
}

/// Rows a complete scan read per group (a group key of [`crate::write::confirm::group_key`]).
pub type ScanTotals = Vec<(RowKey, u64)>;

/// The rows a scan must not return, for one resource: per delete method, the keys queued.
#[derive(Clone, Debug, Default)]
pub struct Hidden {
    /// (method index, keys of the rows queued with it).
    pub by_method: Vec<(usize, HashSet<RowKey>)>,
}

impl Hidden {
    /// Whether nothing is hidden.
    pub fn is_empty(&self) -> bool {
        self.by_method.iter().all(|(_, k)| k.is_empty())
    }
}

/// A transaction's queue.
#[derive(Debug, Default)]
pub struct WriteQueue {
    entries: Vec<Queued>,
    /// Queue length when each open savepoint began (index = the front end's savepoint level).
    marks: Vec<usize>,
    /// What complete scans of this transaction read, by scan id.
    totals: HashMap<u64, ScanTotals>,
    /// Rows a dry run would have deleted: hidden from later scans of the session as if sent.
    simulated: Vec<Queued>,
}

/// What a COMMIT sends: the queue's entries and the scans' totals.
#[derive(Debug, Default)]
pub struct Batch {
    /// In queue order.
    pub entries: Vec<Queued>,
    /// By scan id.
    pub totals: HashMap<u64, ScanTotals>,
}

impl Batch {
    /// Whether there is nothing to send.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The DELETE rows, in order.
    pub fn deletes(&self) -> impl Iterator<Item = (&Queued, &Target)> {
        self.entries.iter().filter_map(|q| match &q.kind {
            Kind::Delete(t) => Some((q, t)),
            Kind::Write(_) => None,
        })
    }

    /// The INSERT, UPDATE and REPLACE rows, in order.
    pub fn writes(&self) -> impl Iterator<Item = (&Queued, &QueuedWrite)> {
        self.entries.iter().filter_map(|q| match &q.kind {
            Kind::Write(w) => Some((q, w)),
            Kind::Delete(_) => None,
        })
    }
}

impl WriteQueue {
    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Rows queued.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Queues a row's delete; `false` when the same row is queued already.
    pub fn push_delete(&mut self, table: Arc<Table>, target: Target, scan: Option<u64>) -> bool {
        let dup = self.entries.iter().any(|q| {
            q.table.resource.id == table.resource.id
                && matches!(&q.kind, Kind::Delete(t) if *t == target)
        });
        if dup {
            return false;
        }
        self.entries.push(Queued {
            table,
            kind: Kind::Delete(target),
            scan,
        });
        true
    }

    /// Queues an INSERT, UPDATE or REPLACE row.
    pub fn push_write(&mut self, table: Arc<Table>, write: QueuedWrite) {
        self.entries.push(Queued {
            table,
            kind: Kind::Write(write),
            scan: None,
        });
    }

    /// What a complete scan read per group (kept for this transaction's bulk rule).
    pub fn record_totals(&mut self, scan: u64, totals: ScanTotals) {
        self.totals.insert(scan, totals);
    }

    /// A savepoint at `level` begins. Marks already set for that level stay (SQLite tells every
    /// table of the transaction, and a table that joins later, of the same savepoint).
    pub fn savepoint(&mut self, level: usize) {
        if self.marks.len() <= level {
            let at = self.entries.len();
            self.marks.resize(level + 1, at);
        }
    }

    /// The savepoint at `level` and those inside it are released: their rows stay queued.
    pub fn release(&mut self, level: usize) {
        self.marks.truncate(level);
    }

    /// Back to the savepoint at `level` (which stays open): what was queued since is taken back.
    pub fn rollback_to(&mut self, level: usize) {
        if let Some(&at) = self.marks.get(level) {
            self.entries.truncate(at);
            self.marks.truncate(level + 1);
        }
    }

    /// Back to the start of the transaction (SQLite's `ROLLBACK TO` the SAVEPOINT that began it):
    /// everything queued is taken back; the transaction goes on.
    pub fn rollback_to_start(&mut self) {
        self.entries.clear();
        self.marks.clear();
    }

    /// The transaction ended without sending (ROLLBACK, an error): everything is taken back.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.marks.clear();
        self.totals.clear();
    }

    /// Takes what a COMMIT sends, leaving the queue empty.
    pub fn take(&mut self) -> Batch {
        self.marks.clear();
        Batch {
            entries: std::mem::take(&mut self.entries),
            totals: std::mem::take(&mut self.totals),
        }
    }

    /// A dry run's COMMIT: what it would have deleted stays hidden from the session's later
    /// scans, as if it had been sent.
    pub fn simulate(&mut self, batch: &Batch) {
        self.simulated.extend(
            batch
                .entries
                .iter()
                .filter(|q| matches!(q.kind, Kind::Delete(_)))
                .cloned(),
        );
    }

    /// Forgets what dry runs would have deleted (the session leaves dry-run mode).
    pub fn forget_simulated(&mut self) {
        self.simulated.clear();
    }

    /// The entries queued (and not yet sent), for listings.
    pub fn entries(&self) -> &[Queued] {
        &self.entries
    }

    /// What this transaction's complete scans read, by scan id.
    pub fn totals(&self) -> &HashMap<u64, ScanTotals> {
        &self.totals
    }

    /// The rows a scan of `resource_id` must not return.
    pub fn hidden(&self, resource_id: &str) -> Hidden {
        let mut h = Hidden::default();
        for q in self.entries.iter().chain(self.simulated.iter()) {
            let Kind::Delete(t) = &q.kind else { continue };
            if q.table.resource.id != resource_id {
                continue;
            }
            let key = t.key(&q.table.resource);
            match h.by_method.iter_mut().find(|(m, _)| *m == t.method) {
                Some((_, keys)) => {
                    keys.insert(key);
                }
                None => h.by_method.push((t.method, HashSet::from([key]))),
            }
        }
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Arc<Table> {
        let provider = crate::spec::load_embedded().expect("embedded provider");
        let r = provider
            .resource_by_name("auth_user_versions")
            .expect("resource")
            .clone();
        let client = crate::http::GitHubClient::new(crate::http::ClientConfig::new(
            "http://127.0.0.1:9",
            None,
        ));
        Arc::new(Table::new(r, client))
    }

    fn target(t: &Table, id: i64) -> Target {
        let method = t.resource.delete[0];
        Target {
            method,
            args: vec![
                ("package_type".into(), Value::Text("npm".into())),
                ("package_name".into(), Value::Text("x".into())),
                ("package_version_id".into(), Value::Integer(id)),
            ],
        }
    }

    #[test]
    fn savepoints_take_back_exactly_what_came_after_them() {
        let t = table();
        let mut q = WriteQueue::default();
        assert!(q.push_delete(t.clone(), target(&t, 1), None));
        q.savepoint(0);
        assert!(q.push_delete(t.clone(), target(&t, 2), None));
        q.savepoint(1);
        // A table joining the transaction later is told of the same savepoint: no move.
        q.savepoint(1);
        assert!(q.push_delete(t.clone(), target(&t, 3), None));
        q.rollback_to(1);
        assert_eq!(q.len(), 2, "3 taken back");
        assert!(q.push_delete(t.clone(), target(&t, 4), None));
        q.release(1);
        q.rollback_to(0);
        assert_eq!(q.len(), 1, "2 and 4 taken back");
        assert!(
            !q.push_delete(t.clone(), target(&t, 1), None),
            "no duplicate"
        );
        let b = q.take();
        assert_eq!(b.entries.len(), 1);
        assert!(q.is_empty());
    }

    #[test]
    fn queued_and_simulated_deletes_are_hidden_from_later_scans() {
        let t = table();
        let mut q = WriteQueue::default();
        q.push_delete(t.clone(), target(&t, 7), None);
        let h = q.hidden(&t.resource.id);
        assert!(h.by_method[0].1.contains(&target(&t, 7).key(&t.resource)));
        assert!(q.hidden("github.packages.org_versions").is_empty());
        let b = q.take();
        assert!(
            q.hidden(&t.resource.id).is_empty(),
            "sent rows are GitHub's now"
        );
        q.simulate(&b);
        assert!(
            !q.hidden(&t.resource.id).is_empty(),
            "a dry run keeps them hidden"
        );
        q.forget_simulated();
        assert!(q.hidden(&t.resource.id).is_empty());
    }
}
