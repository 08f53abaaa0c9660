//! Writes, for every front end: which method a statement reaches ([`choose`]), the transaction's
//! queue ([`queue`]), the bulk-delete rule ([`confirm`]) and what a COMMIT sends ([`send`]).
//!
//! A front end adapts its transaction callbacks to one [`Transaction`]: SQLite's `xUpdate`,
//! `xSavepoint`/`xRollbackTo`, `xSync` and `xRollback`; Postgres's modify callbacks, its
//! subtransaction callbacks and pre-commit. Both therefore send the same requests, confirm bulk
//! deletes the same way, hide queued rows from later statements the same way, and report one
//! COMMIT as one run.
//!
//! ```text
//!  statement ──► choose (method, sources) ──► Target per row ──► WriteQueue (savepoints, hidden)
//!                                                                      │ COMMIT
//!                                   confirm::check (all tables) ◄──────┘
//!                                          │ ok
//!                                   budget (GitHub's primary limit left)
//!                                          │ fits
//!                                   send::send (one run id) ──► CommitReport | CommitFailure
//! ```

pub mod choose;
pub mod confirm;
pub mod queue;
pub mod row;
pub mod send;

pub use choose::{choose, Choice, ChooseError, Rows, Source, Verb};
pub use confirm::{confirm_over_from_env, Confirmation, CONFIRM_OVER_ENV, DEFAULT_CONFIRM_OVER};
pub use queue::{Batch, Hidden, Kind, Queued, Target, WriteQueue};
pub use row::{write_row, QueuedWrite, RowError};
pub use send::{CommitFailure, CommitReport, Described, Stopped, WriteResult};

use crate::http::{GitHubClient, Stop, WriteEstimate};

/// How a COMMIT ended.
#[derive(Debug)]
pub enum Committed {
    /// Nothing was queued.
    Nothing,
    /// Everything was sent.
    Sent(CommitReport),
    /// A dry run: what would have been sent (table, method, request per row) and whether it
    /// would have needed confirmation. Nothing was sent; the deletes stay hidden from the
    /// session's later scans as if they had been.
    DryRun {
        /// One per row.
        requests: Vec<send::Described>,
        /// The confirmation a real COMMIT would need.
        confirmation: Option<Confirmation>,
    },
}

/// Why a COMMIT sent nothing, or not everything.
#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    /// A bulk DELETE without the user's say-so: nothing was sent.
    #[error("{0}. Nothing was sent")]
    NeedsConfirmation(Confirmation),
    /// The COMMIT's requests do not fit the primary rate-limit budget GitHub has left: nothing
    /// was sent. The estimate says when they could (boxed: errors stay small).
    #[error(
        "the COMMIT needs {}. Nothing was sent: run it again after the reset, or send fewer rows per COMMIT (narrow the WHERE)",
        .0.message()
    )]
    OverBudget(Box<WriteEstimate>),
    /// Some rows failed or were not sent (every one is named).
    #[error(transparent)]
    Failed(Box<CommitFailure>),
}

/// Progress of a COMMIT's deletes, for a front end that shows it (the shell's progress bar):
/// the engine only reports.
pub trait Progress: Send + Sync {
    /// `total` DELETE requests are about to be sent.
    fn begin(&self, _total: usize) {}
    /// One was answered.
    fn step(&self) {}
    /// The run ended; `stopped` says why when it stopped early ("interrupted", "the statement
    /// deadline passed").
    fn end(&self, _stopped: Option<&str>) {}
}

/// A front end's settings for a COMMIT.
#[derive(Clone, Default)]
pub struct CommitOptions {
    /// The bulk threshold (`GITHUB_SQL_CONFIRM_OVER`).
    pub threshold: usize,
    /// Rows the user confirmed for this transaction (`github_sql_confirm_deletes(n)`, `SET LOCAL
    /// github_sql.confirm_deletes = n`, the shell's y).
    pub confirmed: u64,
    /// Every DELETE is confirmed (the shell's `--yes`).
    pub always: bool,
    /// Check and list, send nothing (`--dry-run`).
    pub dry_run: bool,
    /// Where progress goes, if anywhere.
    pub progress: Option<std::sync::Arc<dyn Progress>>,
}

impl std::fmt::Debug for CommitOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommitOptions")
            .field("threshold", &self.threshold)
            .field("confirmed", &self.confirmed)
            .field("always", &self.always)
            .field("dry_run", &self.dry_run)
            .finish_non_exhaustive()
    }
}

/// One connection's (or backend's) transaction: its queue and what the last COMMIT did.
#[derive(Debug, Default)]
pub struct Transaction {
    /// The writes queued until COMMIT.
    pub queue: WriteQueue,
}

impl Transaction {
    /// Commits the queue: checks the bulk rule over every table, then sends everything under one
    /// run id (or, in a dry run, lists it). The queue is empty afterwards, whatever happened.
    pub fn commit(
        &mut self,
        options: &CommitOptions,
        stop: &Stop,
    ) -> Result<Committed, CommitError> {
        let batch = self.queue.take();
        commit_batch(&mut self.queue, batch, options, stop)
    }

    /// The confirmation the queued rows would need now (the shell asks before COMMIT).
    pub fn pending_confirmation(&self, threshold: usize) -> Option<Confirmation> {
        let batch = Batch {
            entries: self.queue.entries().to_vec(),
            totals: self.queue.totals().clone(),
        };
        confirm::check(&batch, threshold)
    }
}

/// [`Transaction::commit`] for a batch already taken from `queue` (which keeps the dry run's
/// simulated deletes).
pub fn commit_batch(
    queue: &mut WriteQueue,
    batch: Batch,
    options: &CommitOptions,
    stop: &Stop,
) -> Result<Committed, CommitError> {
    if batch.is_empty() {
        return Ok(Committed::Nothing);
    }
    let confirmation = confirm::check(&batch, options.threshold);
    if options.dry_run {
        queue.simulate(&batch);
        return Ok(Committed::DryRun {
            requests: send::describe(&batch),
            confirmation,
        });
    }
    if let Some(c) = confirmation {
        if !options.always && options.confirmed < c.count as u64 {
            return Err(CommitError::NeedsConfirmation(c));
        }
    }
    if let Some(estimate) = over_budget(&batch, options.threshold, stop) {
        return Err(CommitError::OverBudget(Box::new(estimate)));
    }
    send::send(&batch, stop, options.progress.as_deref())
        .map(Committed::Sent)
        .map_err(CommitError::Failed)
}

/// The estimate of a batch that cannot finish within GitHub's primary budget, checked before
/// anything is sent; `None` when it fits or nothing is known. Every row is one write request
/// (5 secondary points), counted per API. The figures are the last answers' (every process
/// sharing the cache directory keeps them); a bulk batch (over the confirmation threshold)
/// with none known asks `GET /rate_limit`, which GitHub does not count. An interrupt of that
/// request is left to [`send::send`], which stops before its first request.
fn over_budget(batch: &Batch, threshold: usize, stop: &Stop) -> Option<WriteEstimate> {
    let mut apis: Vec<(&GitHubClient, u64)> = Vec::new();
    for q in &batch.entries {
        let client = &q.table.client;
        match apis
            .iter_mut()
            .find(|(c, _)| c.config().base_url == client.config().base_url)
        {
            Some((_, n)) => *n += 1,
            None => apis.push((client, 1)),
        }
    }
    apis.into_iter().find_map(|(client, n)| {
        let bulk = usize::try_from(n).map_or(true, |n| n > threshold);
        let estimate = if bulk {
            client.estimate_writes("DELETE", n, stop).ok()
        } else {
            client.estimate_writes_known("DELETE", n)
        };
        estimate.filter(|e| !e.fits)
    })
}
