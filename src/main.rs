//! `github-sql`: the shell binary. `main` is tiny; `run` does the work.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use github_sql::fake::FakeGitHub;
use github_sql::http::{ClientConfig, Token};
use github_sql::shell::output::OutputFormat;
use github_sql::shell::{run_repl, Session};
use github_sql::{Engine, Error};

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
        #[arg(long, default_value = github_sql::docs::DEFAULT_OUT)]
        out: PathBuf,
    },
}

fn main() -> ExitCode {
    github_sql::logging::init();
    match run(Cli::parse()) {
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
    let provider = Arc::new(github_sql::spec::load_from_env()?);
    if let Command::Docs { out } = &cli.command {
        let written = github_sql::docs::write_all(&provider, out)?;
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
        let config = ClientConfig {
            base_url: fake.base_url(),
            token: Some(Token::new("demo-token")),
            ..ClientConfig::from_env()
        };
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
    }
    Ok(())
}
