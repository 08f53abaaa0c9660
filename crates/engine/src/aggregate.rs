//! One scan over several connections: an aggregator's SELECT (Steampipe's aggregator
//! connections). Every member's scan starts at once — their pages are fetched concurrently —
//! and rows are read member after member, each carrying its member's name in `_connection`.
//! A member that fails before giving a row is an error naming it, unless the aggregator skips
//! failures: then it is left out and reported ([`MultiScan::skipped`]). A failure after a
//! member gave rows is always an error (never a silently short result). A plain table's scan
//! is a `MultiScan` of one member, so front ends keep one cursor shape.

use std::sync::Arc;

use crate::http::Stop;
use crate::scan::{Scan, ScanArgs, Table};
use crate::write::Hidden;

/// The column an aggregator's tables add: the member connection a row came from.
pub const CONNECTION_COLUMN: &str = "_connection";

/// A member of an aggregator: its name and its table (resource and client).
#[derive(Debug, Clone)]
pub struct Member {
    /// The connection's name.
    pub name: String,
    /// The resource as that connection serves it.
    pub table: Arc<Table>,
}

/// A member left out of a statement because it failed (the aggregator skips failures).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The aggregator.
    pub aggregate: String,
    /// The member.
    pub connection: String,
    /// Why (the error's message).
    pub error: String,
}

/// A scan over one or several connections.
#[derive(Debug)]
pub struct MultiScan {
    aggregate: Option<String>,
    scans: Vec<(String, Scan)>,
    at: usize,
    skipped: Vec<Skipped>,
}

impl MultiScan {
    /// A plain table's scan.
    pub fn single(scan: Scan) -> MultiScan {
        MultiScan {
            aggregate: None,
            scans: vec![(String::new(), scan)],
            at: 0,
            skipped: Vec::new(),
        }
    }

    /// Starts `members` (all at once) with the same arguments. `hidden(table)`: the rows the
    /// transaction queued for deletion in that table; `skip`: leave out failing members.
    pub fn start(
        aggregate: &str,
        members: &[Member],
        args: &ScanArgs,
        stop: &Stop,
        hidden: impl Fn(&Table) -> Hidden,
        skip: bool,
    ) -> crate::Result<MultiScan> {
        let mut m = MultiScan {
            aggregate: Some(aggregate.to_string()),
            scans: Vec::new(),
            at: 0,
            skipped: Vec::new(),
        };
        let mut started = Vec::new();
        for member in members {
            match Scan::start_deferred(
                member.table.clone(),
                args,
                stop.clone(),
                hidden(&member.table),
            ) {
                Ok(s) => started.push((member.name.clone(), s)),
                Err(e) => m.failed(&member.name, e.into(), skip)?,
            }
        }
        for (name, mut scan) in started {
            match scan.ready() {
                Ok(()) => m.scans.push((name, scan)),
                Err(e) => m.failed(&name, e.into(), skip)?,
            }
        }
        m.settle();
        Ok(m)
    }

    fn failed(&mut self, member: &str, e: crate::Error, skip: bool) -> crate::Result<()> {
        let aggregate = self.aggregate.clone().unwrap_or_default();
        if skip && !matches!(e, crate::Error::Http(crate::http::HttpError::Interrupted)) {
            // The front ends report it (the shell's note, `github_sql_skipped()`).
            tracing::debug!(aggregate, member, "skipping a failing member: {e}");
            self.skipped.push(Skipped {
                aggregate,
                connection: member.to_string(),
                error: crate::http::redact(&e.to_string()),
            });
            return Ok(());
        }
        Err(crate::Error::Member {
            aggregate,
            connection: member.to_string(),
            source: Box::new(e),
        })
    }

    /// Moves past members with no rows left.
    fn settle(&mut self) {
        while self.at + 1 < self.scans.len() && self.scans[self.at].1.eof() {
            self.at += 1;
        }
    }

    /// The member scan the current row comes from.
    pub fn scan(&self) -> Option<&Scan> {
        self.scans.get(self.at).map(|(_, s)| s)
    }

    /// The current row's connection (empty for a plain table).
    pub fn connection(&self) -> &str {
        self.scans.get(self.at).map_or("", |(n, _)| n.as_str())
    }

    /// Whether every row has been read.
    pub fn eof(&self) -> bool {
        self.scan().is_none_or(Scan::eof)
    }

    /// Moves to the next row. A member failing here has given rows already: an error naming
    /// it, whatever the skip setting.
    pub fn advance(&mut self) -> crate::Result<()> {
        let aggregate = self.aggregate.clone();
        let Some((name, scan)) = self.scans.get_mut(self.at) else {
            return Ok(());
        };
        if let Err(e) = scan.advance() {
            return Err(match aggregate {
                Some(aggregate) => crate::Error::Member {
                    aggregate,
                    connection: name.clone(),
                    source: Box::new(e.into()),
                },
                None => e.into(),
            });
        }
        self.settle();
        Ok(())
    }

    /// Members left out because they failed.
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }

    /// Whether this scans an aggregator.
    pub fn is_aggregate(&self) -> bool {
        self.aggregate.is_some()
    }
}
