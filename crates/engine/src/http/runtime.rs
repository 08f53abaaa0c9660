//! The process-wide tokio runtime. SQLite calls us on its own threads; we block on futures here.

use std::future::Future;
use std::sync::OnceLock;

use tokio::runtime::Runtime;

/// The runtime shared by every connection in the process (created on first use).
pub fn runtime() -> &'static Runtime {
    static RT: OnceLock<Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("github-sql-io")
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("cannot start the tokio runtime: {e}"))
    })
}

/// Runs `fut` to completion from synchronous code. Works on a thread that is itself inside a
/// tokio runtime (a server handler, an async test) by blocking on a helper thread instead.
pub fn block_on<F>(fut: F) -> F::Output
where
    F: Future + Send,
    F::Output: Send,
{
    if tokio::runtime::Handle::try_current().is_ok() {
        std::thread::scope(|s| match s.spawn(|| runtime().block_on(fut)).join() {
            Ok(v) => v,
            Err(panic) => std::panic::resume_unwind(panic),
        })
    } else {
        runtime().block_on(fut)
    }
}
