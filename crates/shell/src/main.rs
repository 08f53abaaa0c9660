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
              default_missing_value = github_sql_shell::docs::reference::DEFAULT_PROVIDER)]
        reference: Option<PathBuf>,
    },
    /// Run a PostgreSQL server with the github_sql foreign data wrapper for BI tools (psql,
    /// Metabase, Superset, Grafana, DBeaver, Tableau, pandas). Stops cleanly on Ctrl-C/SIGTERM.
    Serve {
        /// Address to listen on. Anything but loopback needs --password-env.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// Port to listen on.
        #[arg(long, default_value_t = github_sql_shell::serve::DEFAULT_PORT)]
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
    #[command(name = "fake-server")]
    FakeServer,
}

/// What `--help` says about the variables that are not settings flags.
const ENVIRONMENT_HELP: &str = "Environment:
  GITHUB_TOKEN     The GitHub token (a personal access token, classic); GH_TOKEN, then
                   STACKQL_GITHUB_PASSWORD, are read when it is unset or empty. Never a flag.
  GITHUB_API_URL   The API base URL (default https://api.github.com; GitHub Enterprise
                   Server: https://HOST/api/v3).
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
    if let Command::FakeServer = cli.command {
        return fake_server();
    }
    if let Command::Generate { from, out } = &cli.command {
        let s = github_sql_shell::generate::generate(from, out)
            .map_err(|e| Error::Usage(e.to_string()))?;
        let verbs: Vec<String> = s.by_verb.iter().map(|(v, n)| format!("{v} {n}")).collect();
        eprintln!(
            "generate: {} operations: {} services, {} resources, {} methods ({}; {} for further envelope arrays); {} covered by the curated packages/registry documents; {} resources map rows to parameters ({} mappings), {} have envelope columns ({}), {} write paths split off; wrote {}",
            s.operations,
            s.services,
            s.resources,
            s.methods,
            verbs.join(", "),
            s.envelope_methods,
            s.curated_operations,
            s.mapped.0,
            s.mapped.1,
            s.envelopes.0,
            s.envelopes.1,
            s.split_writes,
            out.display()
        );
        return Ok(());
    }
    if let Command::Docs {
        out,
        reference: Some(dir),
    } = &cli.command
    {
        use github_sql_shell::docs::reference;
        let out = out
            .clone()
            .unwrap_or_else(|| PathBuf::from(reference::DEFAULT_OUT));
        let provider = github_sql::spec::load_dir(dir)?;
        let written =
            reference::write_reference(&provider, &out).map_err(|e| Error::Usage(e.to_string()))?;
        eprintln!(
            "docs: wrote {} reference pages for {} resources of {} to {}",
            written.len(),
            provider.resources().count(),
            dir.display(),
            out.display()
        );
        return Ok(());
    }
    let provider = Arc::new(github_sql::spec::load_from_env()?);
    if let Command::Docs { out, .. } = &cli.command {
        let out = out
            .clone()
            .unwrap_or_else(|| PathBuf::from(github_sql_shell::docs::DEFAULT_OUT));
        let written = github_sql_shell::docs::write_all(&provider, &out)
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
        // Demo deletes go to the journal only when GITHUB_SQL_JOURNAL asks for one.
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
        (Some(fake), config)
    } else {
        (None, ClientConfig::from_env())
    };
    if let Command::Serve {
        host,
        port,
        data_dir,
        password_env,
    } = &cli.command
    {
        return serve(
            &provider,
            &config,
            host,
            *port,
            data_dir.clone(),
            password_env.as_deref(),
        );
    }
    let mut engine = Engine::new(provider, config);
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
            let stdin = || {
                let mut text = String::new();
                std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map_err(|e| {
                    Error::Usage(format!("exec -: cannot read standard input: {e}"))
                })?;
                Ok::<String, Error>(text)
            };
            let script = match (infile, sql) {
                (Some(path), None) if path.as_os_str() == "-" => stdin()?,
                (Some(path), None) => std::fs::read_to_string(&path)
                    .map_err(|e| Error::Usage(format!("cannot read {}: {e}", path.display())))?,
                (None, Some(sql)) if sql == "-" => stdin()?,
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
            run_exec(&mut session, &script)?;
        }
        Command::Shell => run_repl(&mut session)?,
        // Handled before a session exists.
        Command::Docs { .. } => {}
        Command::Serve { .. } | Command::FakeServer | Command::Generate { .. } => {}
    }
    Ok(())
}

fn serve(
    provider: &github_sql::spec::Provider,
    config: &ClientConfig,
    host: &str,
    port: u16,
    data_dir: Option<PathBuf>,
    password_env: Option<&str>,
) -> github_sql::Result<()> {
    use github_sql_shell::serve::{default_data_dir, Cluster, ServeOptions};
    let usage = |e: github_sql_shell::serve::ServeError| Error::Usage(e.to_string());
    let password = match password_env {
        Some(var) => Some(
            std::env::var(var)
                .ok()
                .filter(|p| !p.is_empty())
                .ok_or_else(|| {
                    Error::Usage(format!(
                        "--password-env {var}: the variable {var} is not set or empty"
                    ))
                })?,
        ),
        None => None,
    };
    // The demo's token is the fake's; otherwise the user's, from the environment.
    let token = if config
        .token
        .as_ref()
        .is_some_and(|t| *t == Token::new("demo-token"))
    {
        Some("demo-token".to_string())
    } else {
        github_sql::http::TOKEN_ENVS
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|t| !t.trim().is_empty()))
    };
    if token.is_none() {
        eprintln!("github-sql serve: no GITHUB_TOKEN/GH_TOKEN set: queries will ask for one (CREATE USER MAPPING … OPTIONS (token …))");
    }
    let options = ServeOptions {
        host: host.to_string(),
        port,
        data_dir: data_dir.unwrap_or_else(default_data_dir),
        password,
        api_url: config.base_url.clone(),
        servers: config.servers.clone().into_iter().collect(),
        token,
    };
    let cluster = Cluster::start(provider, &options).map_err(usage)?;
    let shown = match &cluster.new_password {
        Some(_) => cluster.url.clone(),
        None if password_env.is_some() => cluster.url.replace(
            &format!(
                ":{}@",
                std::env::var(password_env.unwrap_or_default()).unwrap_or_default()
            ),
            ":<password>@",
        ),
        None => format!(
            "{} (the password is in {})",
            cluster.url.split(':').take(2).collect::<Vec<_>>().join(":")
                + ":<password>@"
                + cluster.url.split('@').nth(1).unwrap_or(""),
            options.data_dir.join("password").display()
        ),
    };
    eprintln!(
        "github-sql serve: PostgreSQL with the github_sql wrapper is listening on {host}:{port}; database github, role github, schemas: {}",
        provider.services.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")
    );
    println!("{shown}");
    std::io::stdout().flush()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(shutdown_signal());
    cluster.stop();
    eprintln!("github-sql serve: stopped");
    Ok(())
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
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

fn fake_server() -> github_sql::Result<()> {
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
    rt.block_on(shutdown_signal());
    drop(fake);
    Ok(())
}
