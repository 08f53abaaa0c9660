//! `github-sql serve`: a real PostgreSQL with the `github_sql` foreign data wrapper, managed for
//! BI tools (as `steampipe service start` does).
//!
//! It runs the system's PostgreSQL server binaries (found through `pg_config`, else the usual
//! Debian/Ubuntu directories and PATH), creates the cluster on first start, loads the wrapper
//! (installed with `cargo pgrx install`, or from a `cargo pgrx package` directory named by
//! `GITHUB_SQL_PG_PACKAGE`), imports every service of the provider document into a schema named
//! after it, and creates the login role `github` — not a superuser — for BI tools. TCP connections
//! use SCRAM-SHA-256; the superuser is reachable only through the cluster's private socket
//! directory. SIGINT/SIGTERM stop the cluster cleanly.
//!
//! The token never reaches the `github` role: it is the option of a user mapping FOR PUBLIC owned
//! (through the server) by the superuser, which PostgreSQL shows only to the server's owner and
//! superusers (`pg_user_mappings`); the wrapper reads it inside the backend. It is never a server
//! option (those are world-readable), never in the server's environment, and the statement that
//! sets it is kept out of the server log.
//!
//! PostgreSQL refuses to run as root: when `github-sql serve` runs as root, the server runs as
//! the `postgres` OS user (Debian's packages create it) through `runuser`.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use github_sql::spec::Provider;

/// Default port (Postgres's is 5432; this one leaves a local Postgres alone).
pub const DEFAULT_PORT: u16 = 5444;
/// Database name.
pub const DATABASE: &str = "github";
/// Login role for clients.
pub const ROLE: &str = "github";
/// Environment variable naming a `cargo pgrx package` output directory to load the wrapper from
/// (no root needed).
pub const PACKAGE_ENV: &str = "GITHUB_SQL_PG_PACKAGE";

/// Why `serve` could not run.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// PostgreSQL's server binaries are missing.
    #[error("PostgreSQL's server programs (initdb, pg_ctl) were not found: install them (Debian/Ubuntu: apt-get install postgresql-15 postgresql-client-15), or put their directory on PATH")]
    NoServer,
    /// The wrapper is neither installed nor packaged.
    #[error("the github_sql extension is not installed in {sharedir}: build and install it with `cargo pgrx install --release` in crates/postgres (see docs/bi.md), or set {PACKAGE_ENV} to a `cargo pgrx package` directory")]
    NoExtension {
        /// Where the control file was looked for.
        sharedir: String,
    },
    /// A bad flag.
    #[error("{0}")]
    Usage(String),
    /// A step failed.
    #[error("{step} failed: {detail}")]
    Step {
        /// What was being done.
        step: String,
        /// Its output.
        detail: String,
    },
    /// File system.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// What `serve` was asked for.
#[derive(Clone)]
pub struct ServeOptions {
    /// Address to listen on.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Where the cluster lives.
    pub data_dir: PathBuf,
    /// The `github` role's password, when given (else generated once and stored).
    pub password: Option<String>,
    /// The GitHub API URL for the foreign server.
    pub api_url: String,
    /// Services with their own server (the registry), as `<service>_url` server options.
    pub servers: Vec<(String, String)>,
    /// The token for the user mapping.
    pub token: Option<String>,
    /// The environment's GitHub App, for the default server's mapping instead of a token.
    pub app: Option<AppMapping>,
    /// The named connections: one foreign server, user mapping FOR PUBLIC and schema per
    /// service (`<connection>__<service>`) each.
    pub connections: Vec<ServeConnection>,
    /// The aggregators: views `<aggregator>__<service>.<resource>` over their members' tables,
    /// with `_connection`.
    pub aggregates: Vec<(String, Vec<String>)>,
    /// More variables holding credentials (the config file's `token_env`, `private_key_env`):
    /// the server is started without them.
    pub secret_vars: Vec<String>,
}

/// A GitHub App's credentials for a user mapping (options `app_id`, `private_key`,
/// `installation_id`).
#[derive(Clone)]
pub struct AppMapping {
    /// The App's id.
    pub app_id: String,
    /// The private key's PEM text.
    pub private_key: String,
    /// The installation, if one is configured.
    pub installation_id: Option<u64>,
}

impl std::fmt::Debug for AppMapping {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppMapping")
            .field("app_id", &self.app_id)
            .field("installation_id", &self.installation_id)
            .finish_non_exhaustive()
    }
}

/// A named connection as `serve` sets it up.
#[derive(Clone)]
pub struct ServeConnection {
    /// The connection's name: the foreign server's, and the schemas' prefix.
    pub name: String,
    /// Its API URL (the server's `api_url`).
    pub api_url: String,
    /// Its token, if it authenticates with one.
    pub token: Option<String>,
    /// Its App, if it is one.
    pub app: Option<AppMapping>,
}

impl std::fmt::Debug for ServeConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeConnection")
            .field("name", &self.name)
            .field("api_url", &self.api_url)
            .finish_non_exhaustive()
    }
}

/// The options of a user mapping holding these credentials (`None`: no credentials).
fn mapping_options(token: Option<&str>, app: Option<&AppMapping>) -> Option<String> {
    if let Some(a) = app {
        let mut o = format!(
            "app_id {}, private_key {}",
            lit(&a.app_id),
            lit(&a.private_key)
        );
        if let Some(i) = a.installation_id {
            o.push_str(&format!(", installation_id {}", lit(&i.to_string())));
        }
        return Some(o);
    }
    token.map(|t| format!("token {}", lit(t)))
}

/// The default data directory: `$XDG_DATA_HOME/github-sql/postgres` (root: `/var/lib/github-sql/postgres`,
/// which the `postgres` user can reach).
pub fn default_data_dir() -> PathBuf {
    if is_root() {
        return PathBuf::from("/var/lib/github-sql/postgres");
    }
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("github-sql/postgres")
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc_geteuid() == 0 }
}

extern "C" {
    #[link_name = "geteuid"]
    fn libc_geteuid() -> u32;
}

/// The server binaries' directory.
fn bindir() -> Result<PathBuf, ServeError> {
    let has = |d: &Path| d.join("initdb").is_file() && d.join("pg_ctl").is_file();
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let d = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if has(&d) {
            return Ok(d);
        }
    }
    for v in ["17", "16", "15"] {
        let d = PathBuf::from(format!("/usr/lib/postgresql/{v}/bin"));
        if has(&d) {
            return Ok(d);
        }
    }
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .find(|d| has(d))
        .ok_or(ServeError::NoServer)
}

/// Runs a command (as the `postgres` user when we are root); its output on failure.
fn run(step: &str, bin: &Path, args: &[&str], stdin: Option<&str>) -> Result<String, ServeError> {
    run_env_without(step, bin, args, stdin, &[], &[])
}

/// Environment variables that may hold a credential: the token variables, the provider's basic
/// auth variables, and anything named like a secret. The server is started without them.
fn secret_env_vars(provider: &Provider) -> Vec<String> {
    let mut vars: Vec<String> = github_sql::http::TOKEN_ENVS
        .iter()
        .map(|s| s.to_string())
        .collect();
    if let github_sql::spec::Auth::Basic {
        username_var,
        password_var,
    } = &provider.auth
    {
        vars.push(username_var.clone());
        vars.push(password_var.clone());
    }
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().to_ascii_uppercase();
        if ["TOKEN", "PASSWORD", "SECRET", "PRIVATE_KEY", "PGPASS"]
            .iter()
            .any(|w| k.contains(w))
        {
            vars.push(k);
        }
    }
    vars.sort();
    vars.dedup();
    vars
}

/// [`run`] with extra environment variables (the server's backends inherit them) and without
/// `remove` (variables holding secrets).
fn run_env_without(
    step: &str,
    bin: &Path,
    args: &[&str],
    stdin: Option<&str>,
    env: &[(&str, &std::ffi::OsStr)],
    remove: &[String],
) -> Result<String, ServeError> {
    let mut cmd = if is_root() {
        let mut c = Command::new("runuser");
        c.arg("-u").arg("postgres").arg("--").arg(bin);
        c
    } else {
        Command::new(bin)
    };
    for k in remove {
        cmd.env_remove(k);
    }
    cmd.args(args)
        .envs(env.iter().copied())
        .current_dir("/")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| ServeError::Step {
        step: step.into(),
        detail: format!("cannot start {}: {e}", bin.display()),
    })?;
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(input.as_bytes())?;
    }
    let out = child.wait_with_output()?;
    if !out.status.success() {
        return Err(ServeError::Step {
            step: step.into(),
            detail: format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
            .trim()
            .to_string(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn chown_postgres(p: &Path) -> Result<(), ServeError> {
    if is_root() {
        let st = Command::new("chown")
            .arg("-R")
            .arg("postgres:postgres")
            .arg(p)
            .status()?;
        if !st.success() {
            return Err(ServeError::Step {
                step: "chown".into(),
                detail: format!(
                    "chown -R postgres {} failed (is there a postgres user?)",
                    p.display()
                ),
            });
        }
    }
    Ok(())
}

/// A literal for SQL.
fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A 32-character random password (from the kernel's random source).
fn generate_password() -> Result<String, ServeError> {
    use std::io::Read as _;
    let chars = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes
        .iter()
        .map(|b| chars[usize::from(*b) % chars.len()] as char)
        .collect())
}

/// The running cluster.
pub struct Cluster {
    bindir: PathBuf,
    data: PathBuf,
    /// The URL clients use.
    pub url: String,
    /// Whether the password was generated now (printed once).
    pub new_password: Option<String>,
}

impl Cluster {
    /// Creates the cluster if needed, starts it and sets up the database, wrapper, schemas and role.
    pub fn start(provider: &Provider, o: &ServeOptions) -> Result<Cluster, ServeError> {
        let loopback = matches!(o.host.as_str(), "127.0.0.1" | "localhost" | "::1");
        if !loopback && o.password.is_none() {
            return Err(ServeError::Usage(format!(
                "--host {} exposes the server beyond this machine: give the github role's password with --password-env VAR",
                o.host
            )));
        }
        let bindir = bindir()?;
        std::fs::create_dir_all(&o.data_dir)?;
        if is_root() {
            set_mode(&o.data_dir, 0o711)?;
            let reachable = Command::new("runuser")
                .args(["-u", "postgres", "--", "test", "-x"])
                .arg(&o.data_dir)
                .status()
                .is_ok_and(|s| s.success());
            if !reachable {
                return Err(ServeError::Usage(format!(
                    "PostgreSQL runs as the postgres user (it refuses root), which cannot reach {}: choose a --data-dir whose parents it can enter (e.g. under /var/lib or /tmp)",
                    o.data_dir.display()
                )));
            }
        }
        let data = o.data_dir.join("data");
        let sock = o.data_dir.join("run");
        std::fs::create_dir_all(&sock)?;
        set_mode(&sock, 0o700)?;
        chown_postgres(&sock)?;
        // The password: given, or generated once and kept (0600) beside the cluster.
        let pw_file = o.data_dir.join("password");
        let (password, new_password) = match &o.password {
            Some(p) => (p.clone(), None),
            None => match std::fs::read_to_string(&pw_file) {
                Ok(p) if !p.trim().is_empty() => (p.trim().to_string(), None),
                _ => {
                    let p = generate_password()?;
                    std::fs::write(&pw_file, format!("{p}\n"))?;
                    set_mode(&pw_file, 0o600)?;
                    (p.clone(), Some(p))
                }
            },
        };
        if !data.join("PG_VERSION").is_file() {
            std::fs::create_dir_all(&data)?;
            chown_postgres(&data)?;
            let d = data.to_string_lossy();
            run(
                "initdb",
                &bindir.join("initdb"),
                &[
                    "-D",
                    &d,
                    "-U",
                    "postgres",
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                    "--no-sync",
                    "-E",
                    "UTF8",
                ],
                None,
            )?;
            // TCP: only the github role, with SCRAM; the superuser only through the private socket.
            let hba = "local all all trust\n\
                       host all postgres 0.0.0.0/0 reject\n\
                       host all postgres ::/0 reject\n\
                       host all all 0.0.0.0/0 scram-sha-256\n\
                       host all all ::/0 scram-sha-256\n";
            let hba_path = data.join("pg_hba.conf");
            std::fs::write(&hba_path, hba)?;
            chown_postgres(&hba_path)?;
        }
        let d = data.to_string_lossy().into_owned();
        let server_opts = format!(
            "-p {} -k {} -c listen_addresses={} -c password_encryption=scram-sha-256",
            o.port,
            sock.display(),
            if o.host == "localhost" {
                "127.0.0.1"
            } else {
                &o.host
            }
        );
        let log = o.data_dir.join("server.log");
        if is_root() && !log.exists() {
            std::fs::write(&log, "")?;
            chown_postgres(&log)?;
        }
        // The backends journal their writes beside the cluster (github_sql_journal reads it),
        // unless GITHUB_SQL_JOURNAL says otherwise.
        let journal = o.data_dir.join("journal.jsonl");
        let journal_env = if github_sql::journal::explicitly_configured() {
            Vec::new()
        } else {
            if !journal.exists() {
                std::fs::write(&journal, "")?;
                set_mode(&journal, 0o600)?;
                if is_root() {
                    chown_postgres(&journal)?;
                }
            }
            vec![(github_sql::journal::JOURNAL_ENV, journal.as_os_str())]
        };
        // Every backend shares one response cache. Run as root, PostgreSQL's `postgres` user
        // cannot use root's home: the cache goes beside the cluster unless
        // GITHUB_SQL_CACHE_DIR names one.
        let cache_dir = o.data_dir.join("cache");
        let mut journal_env = journal_env;
        if is_root() && std::env::var_os(github_sql::http::CACHE_DIR_ENV).is_none() {
            std::fs::create_dir_all(&cache_dir)?;
            set_mode(&cache_dir, 0o700)?;
            chown_postgres(&cache_dir)?;
            journal_env.push((github_sql::http::CACHE_DIR_ENV, cache_dir.as_os_str()));
        }
        // The backends need no token from their environment (the wrapper reads the user
        // mapping): start the server without the variables that hold one.
        let mut secret_env = secret_env_vars(provider);
        secret_env.extend(o.secret_vars.iter().cloned());
        run_env_without(
            "starting PostgreSQL",
            &bindir.join("pg_ctl"),
            &[
                "-D",
                &d,
                "-o",
                &server_opts,
                "-l",
                &log.to_string_lossy(),
                "-w",
                "-t",
                "60",
                "start",
            ],
            None,
            &journal_env,
            &secret_env,
        )
        .map_err(|e| match e {
            ServeError::Step { step, detail } => ServeError::Step {
                step,
                detail: format!("{detail}\n(see {})", log.display()),
            },
            other => other,
        })?;
        let cluster = Cluster {
            bindir,
            data,
            url: format!(
                "postgres://{ROLE}:{password}@{}:{}/{DATABASE}",
                if o.host.contains(':') {
                    format!("[{}]", o.host)
                } else {
                    o.host.clone()
                },
                o.port
            ),
            new_password,
        };
        if let Err(e) = cluster.setup(provider, o, &sock, &password) {
            cluster.stop();
            return Err(e);
        }
        Ok(cluster)
    }

    fn psql(&self, sock: &Path, port: u16, db: &str, sql: &str) -> Result<String, ServeError> {
        let psql = if self.bindir.join("psql").is_file() {
            self.bindir.join("psql")
        } else {
            PathBuf::from("psql")
        };
        let p = port.to_string();
        run(
            "setting up the database",
            &psql,
            &[
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                &sock.to_string_lossy(),
                "-p",
                &p,
                "-U",
                "postgres",
                "-d",
                db,
                "-f",
                "-",
            ],
            Some(sql),
        )
    }

    fn setup(
        &self,
        provider: &Provider,
        o: &ServeOptions,
        sock: &Path,
        password: &str,
    ) -> Result<(), ServeError> {
        let exists = self.psql(
            sock,
            o.port,
            "postgres",
            &format!(
                "SELECT 1 FROM pg_database WHERE datname = {}",
                lit(DATABASE)
            ),
        )?;
        if exists.trim().is_empty() {
            self.psql(
                sock,
                o.port,
                "postgres",
                &format!("CREATE DATABASE {DATABASE}"),
            )?;
        }
        let mut sql = String::new();
        // This session sets the token: none of its statements may reach the server log.
        let _ = writeln!(
            sql,
            "SET client_min_messages = warning;\nSET log_statement = 'none';\nSET log_min_error_statement = 'panic';\nSET log_min_duration_statement = -1;"
        );
        let _ = writeln!(sql, "{}", load_extension_sql(&o.data_dir)?);
        let _ = writeln!(
            sql,
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {r}) THEN CREATE ROLE {ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE; END IF; END $$;\n\
             ALTER ROLE {ROLE} WITH LOGIN NOSUPERUSER PASSWORD {pw};",
            r = lit(ROLE),
            pw = lit(password)
        );
        let _ = writeln!(
            sql,
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_foreign_server WHERE srvname = 'github') THEN CREATE SERVER github FOREIGN DATA WRAPPER github_sql; END IF; END $$;"
        );
        let servers = o.servers.iter().map(|(k, v)| (format!("{k}_url"), v));
        for (option, value) in std::iter::once(("api_url".to_string(), &o.api_url)).chain(servers) {
            // ADD fails when the option exists (a restarted cluster): set it instead.
            let _ = writeln!(
                sql,
                "DO $$ BEGIN ALTER SERVER github OPTIONS (ADD {option} {v}); EXCEPTION WHEN duplicate_object THEN ALTER SERVER github OPTIONS (SET {option} {v}); END $$;",
                v = lit(value)
            );
        }
        // A mapping FOR the role would show it its token (pg_user_mappings shows a mapping's
        // options to the mapped role): the token is in a mapping FOR PUBLIC, whose options only
        // the server's owner (the superuser) sees. Clusters made by earlier versions had one
        // FOR the role: dropped.
        let _ = writeln!(
            sql,
            "DROP USER MAPPING IF EXISTS FOR {ROLE} SERVER github;\nDROP USER MAPPING IF EXISTS FOR PUBLIC SERVER github;\nALTER SERVER github OWNER TO postgres;"
        );
        if let Some(options) = mapping_options(o.token.as_deref(), o.app.as_ref()) {
            let _ = writeln!(
                sql,
                "CREATE USER MAPPING FOR PUBLIC SERVER github OPTIONS ({options});"
            );
        }
        let _ = writeln!(sql, "GRANT USAGE ON FOREIGN SERVER github TO {ROLE};");
        connections_sql(&mut sql, provider, o);
        let mut schemas = Vec::new();
        for s in &provider.services {
            let n = &s.name;
            schemas.push(n.clone());
            let _ = writeln!(
                sql,
                "CREATE SCHEMA IF NOT EXISTS {n};\n\
                 DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace WHERE ns.nspname = {l} AND c.relkind = 'f') THEN IMPORT FOREIGN SCHEMA {n} FROM SERVER github INTO {n}; END IF; END $$;\n\
                 GRANT USAGE ON SCHEMA {n} TO {ROLE};\n\
                 GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {n} TO {ROLE};\n\
                 GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {n} TO {ROLE};",
                l = lit(n)
            );
        }
        // The role may keep its own tables and materialized views (for dashboards) in its schema,
        // first on the search path so an unqualified CREATE lands there; the service schemas
        // follow, so their tables resolve by name.
        let _ = writeln!(
            sql,
            "CREATE SCHEMA IF NOT EXISTS {ROLE} AUTHORIZATION {ROLE};\n\
             ALTER DATABASE {DATABASE} SET search_path = {ROLE}, {}, public;\n\
             REVOKE CREATE ON SCHEMA public FROM PUBLIC;",
            schemas.join(", ")
        );
        self.psql(sock, o.port, DATABASE, &sql)?;
        Ok(())
    }

    /// Stops the cluster (fast shutdown: open transactions roll back, so queued deletes are not sent).
    pub fn stop(&self) {
        let d = self.data.to_string_lossy().into_owned();
        let _ = run(
            "stopping PostgreSQL",
            &self.bindir.join("pg_ctl"),
            &["-D", &d, "-m", "fast", "-w", "stop"],
            None,
        );
    }
}

/// One foreign server (named after the connection), user mapping FOR PUBLIC (owned, like the
/// default one, by the superuser: the role uses the credentials, never reads them) and schema per
/// service (`<connection>__<service>`) for each named connection; one view per resource for each
/// aggregator (`<aggregator>__<service>.<resource>`: its members' rows with `_connection`).
fn connections_sql(sql: &mut String, provider: &Provider, o: &ServeOptions) {
    use github_sql::connections::SEPARATOR;
    for c in &o.connections {
        let n = &c.name;
        let _ = writeln!(
            sql,
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_foreign_server WHERE srvname = {l}) THEN CREATE SERVER {n} FOREIGN DATA WRAPPER github_sql; END IF; END $$;\n\
             DO $$ BEGIN ALTER SERVER {n} OPTIONS (ADD api_url {u}); EXCEPTION WHEN duplicate_object THEN ALTER SERVER {n} OPTIONS (SET api_url {u}); END $$;\n\
             DROP USER MAPPING IF EXISTS FOR PUBLIC SERVER {n};\n\
             ALTER SERVER {n} OWNER TO postgres;",
            l = lit(n),
            u = lit(&c.api_url)
        );
        if let Some(options) = mapping_options(c.token.as_deref(), c.app.as_ref()) {
            let _ = writeln!(
                sql,
                "CREATE USER MAPPING FOR PUBLIC SERVER {n} OPTIONS ({options});"
            );
        }
        let _ = writeln!(sql, "GRANT USAGE ON FOREIGN SERVER {n} TO {ROLE};");
        for s in &provider.services {
            let schema = format!("{n}{SEPARATOR}{}", s.name);
            let _ = writeln!(
                sql,
                "CREATE SCHEMA IF NOT EXISTS {schema};\n\
                 DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace WHERE ns.nspname = {l} AND c.relkind = 'f') THEN IMPORT FOREIGN SCHEMA {svc} FROM SERVER {n} INTO {schema}; END IF; END $$;\n\
                 GRANT USAGE ON SCHEMA {schema} TO {ROLE};\n\
                 GRANT SELECT, DELETE ON ALL TABLES IN SCHEMA {schema} TO {ROLE};\n\
                 GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {schema} TO {ROLE};",
                l = lit(&schema),
                svc = s.name
            );
        }
    }
    for (agg, members) in &o.aggregates {
        for s in &provider.services {
            let schema = format!("{agg}{SEPARATOR}{}", s.name);
            let _ = writeln!(sql, "CREATE SCHEMA IF NOT EXISTS {schema};");
            for r in &s.resources {
                let table = format!("\"{}\"", r.resource_name.replace('"', "\"\""));
                let union: Vec<String> = members
                    .iter()
                    .map(|m| {
                        format!(
                            "SELECT {}::text AS _connection, t.* FROM {m}{SEPARATOR}{}.{table} AS t",
                            lit(m),
                            s.name
                        )
                    })
                    .collect();
                let _ = writeln!(
                    sql,
                    "CREATE OR REPLACE VIEW {schema}.{table} AS {};",
                    union.join(" UNION ALL ")
                );
            }
            let _ = writeln!(
                sql,
                "GRANT USAGE ON SCHEMA {schema} TO {ROLE};\n\
                 GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {ROLE};"
            );
        }
    }
}

/// The SQL that loads the wrapper: `CREATE EXTENSION` when it is installed, else the packaged
/// extension script with its library path made absolute (no root needed).
fn load_extension_sql(data_dir: &Path) -> Result<String, ServeError> {
    if let Some(dir) = std::env::var_os(PACKAGE_ENV) {
        let dir = PathBuf::from(dir);
        let (packaged, script) = find_package(&dir).ok_or_else(|| ServeError::Usage(format!(
            "{PACKAGE_ENV}={} holds no github_sql.so and github_sql--*.sql (the output of `cargo pgrx package`)",
            dir.display()
        )))?;
        // A copy the server's user can read, whatever the permissions of the build tree.
        let lib = data_dir.join("lib");
        std::fs::create_dir_all(&lib)?;
        let so = lib.join("github_sql.so");
        std::fs::copy(&packaged, &so)?;
        chown_postgres(&lib)?;
        let text = std::fs::read_to_string(&script)?;
        let body = text.replace("MODULE_PATHNAME", &so.to_string_lossy());
        return Ok(format!(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_foreign_data_wrapper WHERE fdwname = 'github_sql') THEN EXECUTE {}; END IF; END $$;",
            lit(&body)
        ));
    }
    let sharedir = Command::new("pg_config")
        .arg("--sharedir")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    if !Path::new(&sharedir)
        .join("extension/github_sql.control")
        .is_file()
    {
        return Err(ServeError::NoExtension { sharedir });
    }
    Ok("CREATE EXTENSION IF NOT EXISTS github_sql;".into())
}

fn find_package(dir: &Path) -> Option<(PathBuf, PathBuf)> {
    let mut so = None;
    let mut sql = None;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).ok()?.flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if p.is_dir() {
                stack.push(p);
            } else if name == "github_sql.so" {
                so = Some(p);
            } else if name.starts_with("github_sql--") && name.ends_with(".sql") {
                sql = Some(p);
            }
        }
    }
    Some((so?, sql?))
}

fn set_mode(p: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode))
}

/// `github-sql serve`: starts the cluster, prints its URL, and stops it cleanly on Ctrl-C or
/// SIGTERM. The token is the user's (or the demo's), never a flag.
pub fn serve(
    provider: &github_sql::spec::Provider,
    config: &github_sql::http::ClientConfig,
    connections: &github_sql::connections::Connections,
    host: &str,
    port: u16,
    data_dir: Option<PathBuf>,
    password_env: Option<&str>,
) -> crate::Result<()> {
    let usage = |e: ServeError| crate::Error::Usage(e.to_string());
    let password = match password_env {
        Some(var) => Some(
            std::env::var(var)
                .ok()
                .filter(|p| !p.is_empty())
                .ok_or_else(|| {
                    crate::Error::Usage(format!(
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
        .is_some_and(|t| *t == github_sql::http::Token::new("demo-token"))
    {
        Some("demo-token".to_string())
    } else {
        github_sql::http::TOKEN_ENVS
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|t| !t.trim().is_empty()))
    };
    let app_mapping = |app: &github_sql::http::AppAuth| AppMapping {
        app_id: app.app_id().to_string(),
        private_key: app.reveal_key().to_string(),
        installation_id: app.installation(),
    };
    let app = config.app.as_ref().map(app_mapping);
    if token.is_none() && app.is_none() {
        eprintln!("github-sql serve: no GITHUB_TOKEN/GH_TOKEN set: queries will ask for one (CREATE USER MAPPING … OPTIONS (token …))");
    }
    let mut named = Vec::new();
    let mut aggregates = Vec::new();
    for c in &connections.list {
        match c {
            github_sql::connections::Connection::Single { name, config } => {
                if let Some(e) = &config.credential_error {
                    eprintln!("github-sql serve: connection {name}: {e}; its tables will ask for credentials");
                }
                named.push(ServeConnection {
                    name: name.clone(),
                    api_url: config.base_url.clone(),
                    token: config.token.as_ref().map(|t| t.reveal().to_string()),
                    app: config.app.as_ref().map(app_mapping),
                })
            }
            github_sql::connections::Connection::Aggregate { name, members, .. } => {
                aggregates.push((name.clone(), members.clone()))
            }
        }
    }
    let options = ServeOptions {
        host: host.to_string(),
        port,
        data_dir: data_dir.unwrap_or_else(default_data_dir),
        password,
        api_url: config.base_url.clone(),
        servers: config.servers.clone().into_iter().collect(),
        token,
        app,
        connections: named,
        aggregates,
        secret_vars: connections.secret_vars.clone(),
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
    rt.block_on(super::shutdown_signal());
    cluster.stop();
    eprintln!("github-sql serve: stopped");
    Ok(())
}
