//! Logging to stderr, configured by `GITHUB_SQL_LOG` (shared by the binary and the extension).
//!
//! A bare level (`debug`) applies to github-sql only, so HTTP and TLS libraries stay quiet;
//! full `tracing` directives (`github_sql=debug,hyper=trace`) are used as given. Colours only on
//! a terminal. Logs name request paths, never the token.

use std::io::IsTerminal;

/// Environment variable with the log level or directives.
pub const LOG_ENV: &str = "GITHUB_SQL_LOG";

/// The filter directives for a `GITHUB_SQL_LOG` value.
pub fn directives(value: Option<&str>) -> String {
    directives_or(value, "warn")
}

fn directives_or(value: Option<&str>, default: &str) -> String {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => default.into(),
        Some(v) if v.contains('=') || v.contains(',') => v.into(),
        Some(v) => format!("warn,github_sql={v}"),
    }
}

/// Installs the subscriber once; later calls (a second `.load`) do nothing.
pub fn init() {
    init_with_default("warn");
}

/// Like [`init`], with another default than `warn` when `GITHUB_SQL_LOG` is unset (the server
/// logs each query at info).
pub fn init_with_default(default: &str) {
    let value = std::env::var(LOG_ENV).ok();
    let filter = tracing_subscriber::EnvFilter::try_new(directives_or(value.as_deref(), default))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(|| Redacting(std::io::stderr()))
        .try_init();
}

/// Log output through [`crate::http::redact`]: a log line quoting GitHub's message or a URL
/// loses the token and any userinfo. tracing-subscriber writes each event in one call.
struct Redacting<W>(W);

impl<W: std::io::Write> std::io::Write for Redacting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(crate::http::redact(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::directives;

    #[test]
    fn bare_levels_apply_to_github_sql_only() {
        assert_eq!(directives(None), "warn");
        assert_eq!(directives(Some("debug")), "warn,github_sql=debug");
        assert_eq!(directives(Some("hyper=trace")), "hyper=trace");
        assert_eq!(directives(Some("  ")), "warn");
    }
}
