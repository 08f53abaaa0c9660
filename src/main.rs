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
    /// Serve the tables over the Postgres wire protocol (psql, BI tools, pandas).
    Serve {
        /// Address to listen on. Anything but loopback needs --password-env.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// Port to listen on.
        #[arg(long, default_value_t = github_sql::serve::DEFAULT_PORT)]
        port: u16,
        /// Require this password (MD5 authentication), read from the named environment variable.
        #[arg(long = "password-env", value_name = "VAR")]
        password_env: Option<String>,
    },
    /// Run the built-in fake GitHub with the demo data until interrupted, printing the
    /// environment that points a client at it (for the Datasette recipe in docs/bi.md).
    #[command(name = "fake-server", hide = true)]
    FakeServer,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if matches!(cli.command, Command::Serve { .. }) {
        // One line per query is the server's log.
        github_sql::logging::init_with_default("warn,github_sql=info");
    } else {
        github_sql::logging::init();
    }
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
    if let Command::Serve {
        host,
        port,
        password_env,
    } = &cli.command
    {
        return serve(engine, host, *port, password_env.as_deref(), cli.dry_run);
    }
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
        Command::Serve { .. } | Command::FakeServer => {}
    }
    Ok(())
}

fn serve(
    engine: Engine,
    host: &str,
    port: u16,
    password_env: Option<&str>,
    dry_run: bool,
) -> github_sql::Result<()> {
    use github_sql::serve::{shutdown_signal, ServeOptions, Server};
    let serve_err = |e: github_sql::serve::ServeError| Error::Usage(e.to_string());
    let options = ServeOptions::from_flags(host, port, password_env, dry_run).map_err(serve_err)?;
    let auth = options.password.is_some();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("github-sql-serve")
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let server = Server::bind(engine, options).await?;
        let addr = server.local_addr()?;
        let db = "github";
        eprintln!(
            "github-sql serve: listening on {addr} (database {db}, schema packages{}); e.g. psql -h {} -p {} {db}",
            if auth { ", password required" } else { ", no password: loopback only" },
            addr.ip(),
            addr.port()
        );
        server.run(shutdown_signal()).await?;
        eprintln!("github-sql serve: stopped");
        Ok::<(), github_sql::serve::ServeError>(())
    })
    .map_err(serve_err)
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
    rt.block_on(github_sql::serve::shutdown_signal());
    drop(fake);
    Ok(())
}
