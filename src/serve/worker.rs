//! One thread per client connection owns that client's SQLite connection.
//!
//! SQLite calls block (the tables do HTTP through a blocking bridge), so they never run on a
//! tokio worker. A dedicated thread keeps the connection on one thread for its whole life (SQLite
//! connections are not `Sync`) and lets the HTTP bridge use the shared runtime directly. The
//! thread ends, and the connection closes (rolling back an open transaction, so queued DELETEs are
//! not sent), when the client disconnects.

use std::sync::mpsc;

use tokio::sync::oneshot;

use super::catalog;
use crate::shell::Session;

/// What a job gets: the session and the connection's catalog state.
pub struct Conn {
    session: Session,
    /// Whether the emulated `pg_catalog` and `information_schema` are attached.
    catalog_ready: bool,
}

impl Conn {
    /// The session, with the emulated Postgres catalog attached. The first job of a connection
    /// attaches it: SQLite cannot ATTACH inside a transaction, so it must happen before the
    /// client's first BEGIN.
    pub fn session(&mut self, user: &str) -> crate::Result<&Session> {
        if !self.catalog_ready {
            catalog::install(
                self.session.connection(),
                &self.session.engine().provider,
                user,
            )?;
            self.catalog_ready = true;
        }
        Ok(&self.session)
    }
}

type Job = Box<dyn FnOnce(&mut Conn) + Send>;

/// Handle to a connection's thread. Dropping it ends the thread once the current job is done.
pub struct Worker {
    jobs: mpsc::Sender<Job>,
    interrupt: rusqlite::InterruptHandle,
}

/// Interrupts the running statement if the waiting caller goes away first: a cancel request,
/// a client that hung up, or shutdown. The GitHub request in flight finishes; no further page
/// is fetched.
struct Interrupt<'a> {
    handle: Option<&'a rusqlite::InterruptHandle>,
}

impl Drop for Interrupt<'_> {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            h.interrupt();
        }
    }
}

/// The worker thread is gone (it panicked); the connection cannot go on.
#[derive(Debug, thiserror::Error)]
#[error("github-sql: the connection's SQLite thread stopped; reconnect")]
pub struct WorkerGone;

impl Worker {
    /// Starts the thread that owns `session`.
    pub fn spawn(session: Session) -> std::io::Result<Worker> {
        let (jobs, rx) = mpsc::channel::<Job>();
        let interrupt = session.connection().get_interrupt_handle();
        std::thread::Builder::new()
            .name("github-sql-conn".into())
            .spawn(move || {
                let mut conn = Conn {
                    session,
                    catalog_ready: false,
                };
                while let Ok(job) = rx.recv() {
                    job(&mut conn);
                }
            })?;
        Ok(Worker { jobs, interrupt })
    }

    /// Runs `f` on the connection's thread and waits (asynchronously) for its answer. If this
    /// future is dropped before the answer arrives, the running statement is interrupted.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Conn) -> T + Send + 'static,
    ) -> Result<T, WorkerGone> {
        let mut guard = Interrupt {
            handle: Some(&self.interrupt),
        };
        let out = self.run_to_end(f).await;
        guard.handle = None;
        out
    }

    /// [`Worker::run`] without interruption, for COMMIT and ROLLBACK: a COMMIT sends the queued
    /// DELETEs and must not stop halfway because a client went away.
    pub async fn run_to_end<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Conn) -> T + Send + 'static,
    ) -> Result<T, WorkerGone> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            // A panic in `f` must not kill the thread silently: the caller sees WorkerGone.
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(conn)));
            if let Ok(v) = out {
                let _ = tx.send(v);
            }
        });
        self.jobs.send(job).map_err(|_| WorkerGone)?;
        rx.await.map_err(|_| WorkerGone)
    }
}
