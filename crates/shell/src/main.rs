//! `github-sql`: the shell binary. `main` is tiny; `run` does the work.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use github_sql::http::{ClientConfig, Token};
use github_sql::{Engine, Error};
use github_sql_fake::FakeGitHub;
use github_sql_shell::output::OutputFormat;
use github_sql_shell::{run_repl, Session};

/// SQL over the GitHub Packages API (StackQL-style).
#[derive(Parser, Debug)]
#[command(name = "github-sql", version, about)]
struct Cli {
    /// Serve sample data from the built-in fake GitHub (no token, no network).
    #[arg(long, global = true)]
    demo: bool,
    /// Show what DELETE and EXEC would do; send no write.
    #[arg(long = "dry-run", alias = "dryrun", global = true)]
    dry_run: bool,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Table, global = true)]
    output: OutputFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run statements (`;`-separated) and exit.
    Exec {
        /// Read statements from this file instead.
        #[arg(short = 'i', long = "infile")]
        infile: Option<PathBuf>,
        /// The statements.
        sql: Option<String>,
    },
    /// Interactive shell (or run piped statements).
    Shell,
    /// Write one reference page per resource (docs/tables/<resource>.md) from the provider
    /// document, running its examples against the demo data.
    Docs {
        /// Directory for the pages.
        #[arg(long, default_value = github_sql_shell::docs::DEFAULT_OUT)]
        out: PathBuf,
    },
    /// Run the built-in fake GitHub with the demo data until interrupted, printing the
    /// environment that points a client at it (for the Datasette recipe in docs/bi.md).
    #[command(name = "fake-server", hide = true)]
    FakeServer,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    github_sql::logging::init();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // `github-sql exec … | head` is a normal end.
        Err(Error::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> github_sql::Result<()> {
    if let Command::FakeServer = cli.command {
        return fake_server();
    }
    let provider = Arc::new(github_sql::spec::load_from_env()?);
    if let Command::Docs { out } = &cli.command {
        let written = github_sql_shell::docs::write_all(&provider, out)
            .map_err(|e| Error::Usage(e.to_string()))?;
        eprintln!("docs: wrote {} pages to {}", written.len(), out.display());
        return Ok(());
    }
    // The fake must outlive the session in demo mode.
    let (_fake, config) = if cli.demo {
        let fake = FakeGitHub::demo()?;
        eprintln!(
            "demo: sample data from the built-in fake GitHub at {}",
            fake.base_url()
        );
        // Everything else (write pacing) still comes from the environment.
        // The fake serves the registry (/v2/) on the same address.
        let config = ClientConfig {
            base_url: fake.base_url(),
            token: Some(Token::new("demo-token")),
            ..ClientConfig::from_env()
        }
        .with_server("registry", fake.base_url());
        (Some(fake), config)
    } else {
        (None, ClientConfig::from_env())
    };
    let mut engine = Engine::new(provider, config);
    engine.allow_in_views = github_sql::engine::allow_views_from_env();
    let mut session = Session::new(engine, cli.output)?;
    session.dry_run = cli.dry_run;
    match cli.command {
        Command::Exec { infile, sql } => {
            let script = match (infile, sql) {
                (Some(path), None) => std::fs::read_to_string(&path)
                    .map_err(|e| Error::Usage(format!("cannot read {}: {e}", path.display())))?,
                (None, Some(sql)) => sql,
                (Some(_), Some(_)) => {
                    return Err(Error::Usage("give either SQL or -i FILE, not both".into()))
                }
                (None, None) => {
                    return Err(Error::Usage(
                        "exec needs SQL, e.g. github-sql exec \"SELECT …\", or -i FILE".into(),
                    ))
                }
            };
            let mut out = std::io::stdout().lock();
            session.run_script(&script, &mut out)?;
            out.flush()?;
        }
        Command::Shell => run_repl(&mut session)?,
        // Handled before a session exists.
        Command::Docs { .. } => {}
        Command::FakeServer => {}
    }
    Ok(())
}

fn fake_server() -> github_sql::Result<()> {
    let fake = FakeGitHub::demo()?;
    println!(
        "export GITHUB_API_URL={} GITHUB_TOKEN=demo-token",
        fake.base_url()
    );
    std::io::stdout().flush()?;
    eprintln!(
        "fake GitHub with the demo data at {}; Ctrl-C stops it",
        fake.base_url()
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let _ = tokio::signal::ctrl_c().await;
    });
    drop(fake);
    Ok(())
}
