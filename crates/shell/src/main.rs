//! `github-sql`: the shell binary. `main` is tiny; `run` does the work.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use github_sql::http::ClientConfig;
use github_sql::{Engine, Error};
use github_sql_shell::commands;
use github_sql_shell::output::OutputFormat;
use github_sql_shell::{run_exec, run_repl, Session};

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
    /// Confirm bulk DELETEs (more than GITHUB_SQL_CONFIRM_OVER rows, or every version of a
    /// package) without asking.
    #[arg(long, short = 'y', global = true)]
    yes: bool,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Table, global = true)]
    output: OutputFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run statements (`;`-separated) and exit. `exec -` reads them from standard input.
    Exec {
        /// Read statements from this file instead (`-`: standard input).
        #[arg(short = 'i', long = "infile")]
        infile: Option<PathBuf>,
        /// The statements; `-` reads them from standard input. They may begin with a `--`
        /// comment.
        #[arg(allow_hyphen_values = true)]
        sql: Option<String>,
    },
    /// Interactive shell (or run piped statements).
    Shell,
    #[cfg(feature = "demo")]
    /// Write one reference page per resource (docs/tables/<resource>.md) from the provider
    /// document, running its examples against the demo data. With --reference, write pages for
    /// every resource of a provider directory instead (docs/reference/, index by service).
    Docs {
        /// Directory for the pages (default docs/tables, or docs/reference with --reference).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write reference pages for every resource of this provider directory (default
        /// provider-spec-generated): <out>/README.md, <out>/<service>/README.md and
        /// <out>/<service>/<resource>.md. Nothing is run.
        #[arg(long, value_name = "DIR", num_args = 0..=1,
              default_missing_value = github_sql_shell::commands::docs::reference::DEFAULT_PROVIDER)]
        reference: Option<PathBuf>,
    },
    /// Run a PostgreSQL server with the github_sql foreign data wrapper for BI tools (psql,
    /// Metabase, Superset, Grafana, DBeaver, Tableau, pandas). Stops cleanly on Ctrl-C/SIGTERM.
    Serve {
        /// Address to listen on. Anything but loopback needs --password-env.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// Port to listen on.
        #[arg(long, default_value_t = github_sql_shell::commands::serve::DEFAULT_PORT)]
        port: u16,
        /// Where the cluster lives (created on first start).
        #[arg(long = "data-dir", value_name = "DIR")]
        data_dir: Option<PathBuf>,
        /// Read the `github` role's password from this environment variable (else one is
        /// generated on first start, stored 0600 in the data directory and printed once).
        #[arg(long = "password-env", value_name = "VAR")]
        password_env: Option<String>,
    },
    /// Turn GitHub's REST description (npm `@octokit/openapi`, generated/api.github.com.json)
    /// into a StackQL-layout provider directory covering every operation (docs/generator.md).
    Generate {
        /// GitHub's REST description (JSON).
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        /// Folder to write `github/v00.00.00000/provider.yaml` and `services/*.yaml` under.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Run the built-in fake GitHub with the demo data (the data of --demo) until interrupted,
    /// printing the `export` line that points a client at it: the SQLite extension, Datasette
    /// or `github-sql serve` without a token (docs/extension.md).
    #[cfg(feature = "demo")]
    #[command(name = "fake-server")]
    FakeServer,
}

/// What `--help` says about the variables that are not settings flags.
const ENVIRONMENT_HELP: &str = "Environment:
  GITHUB_TOKEN     The GitHub token (a personal access token, classic); GH_TOKEN, then
                   STACKQL_GITHUB_PASSWORD, are read when it is unset or empty. Never a flag.
  GITHUB_API_URL   The API base URL (default https://api.github.com; GitHub Enterprise
                   Server: https://HOST/api/v3).
  GITHUB_APP_ID    Authenticate as a GitHub App instead of a token, with its private key in
                   GITHUB_APP_PRIVATE_KEY (the PEM text) or GITHUB_APP_PRIVATE_KEY_PATH, and
                   optionally GITHUB_APP_INSTALLATION_ID (else found for the owner a query names).
Named connections: $XDG_CONFIG_HOME/github-sql/config.toml (docs/configuration.md).
Every setting above is also its environment variable; docs/configuration.md has the table.";

/// One flag per `GITHUB_SQL_*` setting (`--timeout` for `GITHUB_SQL_TIMEOUT`), read from the
/// variable when the flag is not given; the value is checked by the setting's own parser.
fn setting_args() -> Vec<clap::Arg> {
    github_sql::settings::SETTINGS
        .iter()
        .map(|s| {
            let flag: &'static str = Box::leak(s.flag().into_boxed_str());
            clap::Arg::new(flag)
                .long(flag)
                .env(s.name)
                .global(true)
                .value_name("VALUE")
                .help_heading("Settings (a flag, or its environment variable)")
                .help(format!(
                    "{} Takes {}; default {}.",
                    s.meaning,
                    s.kind.takes(),
                    s.default
                ))
                .value_parser(move |v: &str| {
                    github_sql::settings::check(s, v).map(|()| v.to_string())
                })
        })
        .collect()
}

/// A setting given as a flag becomes its environment variable, which is what the engine (and
/// `serve`'s PostgreSQL) reads.
fn export_settings(matches: &clap::ArgMatches) {
    for s in github_sql::settings::SETTINGS {
        let flag = s.flag();
        if matches.value_source(&flag) == Some(clap::parser::ValueSource::CommandLine) {
            if let Some(v) = matches.get_one::<String>(&flag) {
                std::env::set_var(s.name, v);
            }
        }
    }
}

fn main() -> ExitCode {
    use clap::{CommandFactory, FromArgMatches};
    let matches = Cli::command()
        .args(setting_args())
        .after_help(ENVIRONMENT_HELP)
        .get_matches();
    export_settings(&matches);
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    github_sql::logging::init();
    let result = run(cli);
    // Answers stored in the shared cache in the background are committed before exit.
    github_sql::http::disk::flush(std::time::Duration::from_secs(5));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // `github-sql exec … | head` is a normal end.
        Err(Error::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {}", github_sql::http::redact(&e.to_string()));
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> github_sql::Result<()> {
    github_sql::settings::check_env()?;
    match &cli.command {
        #[cfg(feature = "demo")]
        Command::FakeServer => return commands::demo::fake_server(),
        Command::Generate { from, out } => return commands::generate::run(from, out),
        #[cfg(feature = "demo")]
        Command::Docs {
            out,
            reference: Some(dir),
        } => return commands::docs::run_reference(dir, out.clone()),
        _ => {}
    }
    let provider = Arc::new(github_sql::spec::load_from_env()?);
    #[cfg(feature = "demo")]
    if let Command::Docs { out, .. } = &cli.command {
        return commands::docs::run_pages(&provider, out.clone());
    }
    // The fake must outlive the session in demo mode.
    #[cfg(feature = "demo")]
    let (_fake, config) = if cli.demo {
        let (fake, config) = commands::demo::start()?;
        (Some(fake), config)
    } else {
        (None, ClientConfig::from_env())
    };
    #[cfg(not(feature = "demo"))]
    let config = if cli.demo {
        return Err(Error::Usage(
            "--demo: this github-sql was built without the demo feature (cargo build --features demo)"
                .into(),
        ));
    } else {
        ClientConfig::from_env()
    };
    if let Command::Serve {
        host,
        port,
        data_dir,
        password_env,
    } = &cli.command
    {
        let connections = load_connections(&config)?;
        return commands::serve::serve(
            &provider,
            &config,
            &connections,
            host,
            *port,
            data_dir.clone(),
            password_env.as_deref(),
        );
    }
    let connections = load_connections(&config)?;
    let mut engine = Engine::new(provider, config).with_connections(connections);
    engine.allow_in_views = github_sql::engine::allow_views_from_env();
    let mut session = Session::new(engine, cli.output)?;
    session.dry_run = cli.dry_run;
    session.set_yes(cli.yes);
    // The interactive shell installs it once its line editor exists (see run_repl).
    if !matches!(cli.command, Command::Shell) {
        github_sql_shell::install_ctrl_c(&session);
    }
    match cli.command {
        Command::Exec { infile, sql } => {
            let script = commands::exec::script(infile, sql)?;
            run_exec(&mut session, &script)?;
        }
        Command::Shell => run_repl(&mut session)?,
        // Handled before a session exists.
        _ => {}
    }
    Ok(())
}

/// The config file's connections (`--config`), with the default `--connection` names (else the
/// file's).
fn load_connections(
    config: &ClientConfig,
) -> github_sql::Result<github_sql::connections::Connections> {
    use github_sql::connections::{Connections, CONNECTION_ENV};
    let usage = |e: github_sql::connections::ConfigError| Error::Usage(e.to_string());
    let connections = Connections::load(config).map_err(usage)?;
    Ok(
        match std::env::var(CONNECTION_ENV)
            .ok()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
        {
            Some(name) => connections
                .with_default(&name, &format!("--connection or {CONNECTION_ENV}"))
                .map_err(usage)?,
            None => connections,
        },
    )
}
