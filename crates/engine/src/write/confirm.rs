//! The bulk-delete rule, the same in every front end, decided once per COMMIT over every table
//! of the transaction before anything is sent:
//!
//! - more than `GITHUB_SQL_CONFIRM_OVER` rows (100 by default, as actions/delete-package-versions
//!   caps a run) of one table;
//! - every row of a group (a package) that the DELETE's own complete, unfiltered listing showed
//!   (rows earlier statements of the transaction queued are not in that listing: deleting the
//!   rest deletes them all);
//! - a method the document marks `x-github-sql-confirm` (deleting a package deletes its
//!   versions).
//!
//! Such a COMMIT needs the user's say-so for at least as many rows as it deletes: `--yes` or y
//! in the shell, `github_sql_confirm_deletes(n)` in SQLite, `SET LOCAL
//! github_sql.confirm_deletes = n` in PostgreSQL. A confirmation covers the transaction it was
//! given for and is used up when it ends, whatever its outcome.

use std::collections::HashMap;

use crate::spec::{Method, Resource, Returns};
use crate::write::queue::{render, Batch, RowKey, Target};

/// Environment variable: a DELETE of more rows than this needs confirmation (default 100).
pub const CONFIRM_OVER_ENV: &str = "GITHUB_SQL_CONFIRM_OVER";
/// actions/delete-package-versions caps one run at 100 versions.
pub const DEFAULT_CONFIRM_OVER: usize = 100;

/// The threshold from `GITHUB_SQL_CONFIRM_OVER` (default 100).
pub fn confirm_over_from_env() -> usize {
    std::env::var(CONFIRM_OVER_ENV)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(DEFAULT_CONFIRM_OVER)
}

/// A COMMIT that needs the user's say-so before anything is sent.
#[derive(Clone, Debug, PartialEq)]
pub struct Confirmation {
    /// The tables whose rows need it (`auth_user_versions`, or `a and b`).
    pub table: String,
    /// Rows the COMMIT would delete, every table counted: what the confirmation must cover.
    pub count: usize,
    /// Why, per table.
    pub reason: String,
    /// Up to five of the rows, labelled.
    pub sample: Vec<String>,
}

impl std::fmt::Display for Confirmation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "DELETE would remove {} rows of {} ({}); e.g. {}",
            self.count,
            self.table,
            self.reason,
            self.sample.join("; ")
        )
    }
}

/// The delete arguments that identify a group (a package), not one row: those a list method of
/// the resource takes too, sorted.
pub fn group_params(resource: &Resource, method: &Method) -> Vec<String> {
    let mut names: Vec<String> = method
        .params
        .iter()
        .filter(|p| {
            resource
                .methods
                .iter()
                .filter(|m| matches!(m.returns, Returns::Array))
                .any(|m| m.param(&p.name).is_some())
        })
        .map(|p| p.name.clone())
        .collect();
    names.sort();
    names
}

/// The group key of arguments: the group parameters' values as text, sorted by name.
pub fn group_key(groups: &[String], args: &[(String, crate::value::Value)]) -> RowKey {
    let mut k: RowKey = args
        .iter()
        .filter(|(n, _)| groups.contains(n))
        .map(|(n, v)| (n.clone(), render(v)))
        .collect();
    k.sort();
    k
}

/// A row's label: the arguments that tell it apart from the others of its table (the version
/// id, typically), else all of them.
pub fn label(t: &Target, all: &[&Target]) -> String {
    let varying: Vec<String> = t
        .args
        .iter()
        .filter(|(k, v)| {
            all.iter()
                .any(|o| o.args.iter().any(|(k2, v2)| k2 == k && v2 != v))
        })
        .map(|(k, v)| format!("{k} {}", render(v)))
        .collect();
    if varying.is_empty() {
        t.args
            .iter()
            .map(|(k, v)| format!("{k} {}", render(v)))
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        varying.join(", ")
    }
}

/// Whether the batch's DELETEs need confirming, and why; `None` when they do not (or there are
/// none).
pub fn check(batch: &Batch, threshold: usize) -> Option<Confirmation> {
    // Per table, in queue order: its targets and the reasons that apply.
    let mut tables: Vec<(String, Vec<&Target>, Vec<String>)> = Vec::new();
    // (scan, table, group) → rows queued from that scan's listing.
    let mut per_group: HashMap<(u64, String, RowKey), u64> = HashMap::new();
    let mut always: Vec<(String, String)> = Vec::new();
    for (q, t) in batch.deletes() {
        let resource = &q.table.resource;
        match tables.iter_mut().find(|(n, _, _)| *n == resource.name) {
            Some((_, ts, _)) => ts.push(t),
            None => tables.push((resource.name.clone(), vec![t], Vec::new())),
        }
        let method = &resource.methods[t.method];
        if let Some(why) = &method.confirm {
            if !always.iter().any(|(n, _)| *n == resource.name) {
                always.push((resource.name.clone(), why.clone()));
            }
        }
        if let Some(scan) = q.scan {
            let groups = group_params(resource, method);
            *per_group
                .entry((scan, resource.name.clone(), group_key(&groups, &t.args)))
                .or_default() += 1;
        }
    }
    if tables.is_empty() {
        return None;
    }
    for (name, ts, reasons) in &mut tables {
        if ts.len() > threshold {
            reasons.push(format!(
                "more than {threshold}, the {CONFIRM_OVER_ENV} threshold"
            ));
        }
        if let Some((_, why)) = always.iter().find(|(n, _)| n == name) {
            reasons.push(why.clone());
        }
    }
    let mut every: Vec<(&String, &RowKey)> = Vec::new();
    for ((scan, table, key), n) in &per_group {
        let seen = batch
            .totals
            .get(scan)
            .and_then(|t| t.iter().find(|(k, _)| k == key))
            .map(|(_, total)| *total);
        if seen.is_some_and(|total| *n >= total) {
            every.push((table, key));
        }
    }
    every.sort();
    for (table, key) in every {
        if let Some((_, _, reasons)) = tables.iter_mut().find(|(n, _, _)| n == table) {
            let what: Vec<String> = key.iter().map(|(k, v)| format!("{k} {v}")).collect();
            reasons.push(format!(
                "every row of {} its listing showed",
                what.join(", ")
            ));
        }
    }
    let needing: Vec<&(String, Vec<&Target>, Vec<String>)> =
        tables.iter().filter(|(_, _, r)| !r.is_empty()).collect();
    if needing.is_empty() {
        return None;
    }
    let count = tables.iter().map(|(_, ts, _)| ts.len()).sum();
    let names: Vec<&str> = needing.iter().map(|(n, _, _)| n.as_str()).collect();
    let reason = if needing.len() == 1 {
        needing[0].2.join("; ")
    } else {
        needing
            .iter()
            .map(|(n, _, r)| format!("{n}: {}", r.join("; ")))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let sample = needing
        .iter()
        .flat_map(|(_, ts, _)| ts.iter().map(move |t| label(t, ts)))
        .take(5)
        .collect();
    let table = match names.as_slice() {
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
        [] => String::new(),
    };
    Some(Confirmation {
        table,
        count,
        reason,
        sample,
    })
}
