//! The subcommands, each a function the binary's `main` dispatches to: `exec` and `shell` run a
//! [`crate::Session`] ([`exec`] reads the script), `docs` writes reference pages, `serve` runs a
//! managed PostgreSQL with the wrapper, `generate` runs the provider generator, and the demo
//! ([`demo`]: `--demo` and `fake-server`) serves the built-in fake GitHub.

#[cfg(feature = "demo")]
pub mod demo;
#[cfg(feature = "demo")]
pub mod docs;
pub mod exec;
pub mod generate;
pub mod serve;

/// Ctrl-C or SIGTERM.
pub(crate) async fn shutdown_signal() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(t) => t,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
