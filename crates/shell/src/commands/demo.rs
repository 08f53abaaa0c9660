//! The demo: the built-in fake GitHub with sample data, for `--demo` (a session or `serve`
//! against it) and `fake-server` (the fake alone, for the extension or Datasette without a
//! token). Behind the default-on `demo` feature.

use std::io::Write;

use github_sql::http::{ClientConfig, Token};
use github_sql_fake::FakeGitHub;

/// Starts the fake and the client settings that point at it: its URL and token, the registry on
/// the same address; everything else (write pacing) from the environment, and the journal only
/// when `GITHUB_SQL_JOURNAL` names a file. The fake must outlive the session.
pub fn start() -> crate::Result<(FakeGitHub, ClientConfig)> {
    let fake = FakeGitHub::demo()?;
    eprintln!(
        "demo: sample data from the built-in fake GitHub at {}",
        fake.base_url()
    );
    let env = ClientConfig::from_env();
    let config = ClientConfig {
        base_url: fake.base_url(),
        token: Some(Token::new("demo-token")),
        journal: env
            .journal
            .clone()
            .filter(|_| github_sql::journal::explicitly_configured()),
        // Demo answers stay in the process unless GITHUB_SQL_CACHE(_DIR) asks for the disk.
        store: if std::env::var_os(github_sql::http::CACHE_ENV).is_some()
            || std::env::var_os(github_sql::http::CACHE_DIR_ENV).is_some()
        {
            env.store.clone()
        } else {
            github_sql::http::CacheStore::Memory
        },
        journal_off: (!github_sql::journal::explicitly_configured())
            .then(|| {
                format!(
                    "the demo journals only when {} names a file",
                    github_sql::journal::JOURNAL_ENV
                )
            })
            .or(env.journal_off.clone()),
        ..env
    }
    // The fake serves the registry (/v2/) on the same address.
    .with_server("registry", fake.base_url());
    Ok((fake, config))
}

/// `github-sql fake-server`: the fake with the demo data until Ctrl-C or SIGTERM, after printing the
/// `export` line that points a client at it.
pub fn fake_server() -> crate::Result<()> {
    let fake = FakeGitHub::demo()?;
    println!(
        "export GITHUB_API_URL={url} GITHUB_TOKEN=demo-token GITHUB_SQL_REGISTRY_URL={url}",
        url = fake.base_url()
    );
    std::io::stdout().flush()?;
    eprintln!(
        "fake GitHub with the demo data at {}; Ctrl-C stops it",
        fake.base_url()
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(super::shutdown_signal());
    drop(fake);
    Ok(())
}
