//! Named connections: `$XDG_CONFIG_HOME/github-sql/config.toml` (or `GITHUB_SQL_CONFIG`).
//!
//! ```toml
//! default = "acme"                  # optional: the connection bare table names use
//! [connections.acme]                # a GitHub App
//! app_id = 123
//! private_key_path = "/etc/github-sql/acme.pem"
//! installation_id = 456             # optional: else found per owner
//! [connections.me]                  # a token, read from a variable
//! token_env = "GITHUB_TOKEN"
//! [connections.ghes]
//! token_command = ["pass", "show", "ghes-token"]
//! api_url = "https://ghes.example.com/api/v3"
//! [connections.fleet]               # an aggregator
//! aggregate = ["acme", "me"]
//! ```
//!
//! Each connection is its own [`ClientConfig`]: its credentials, API URL, pacing and cache
//! settings, and so its own rate-limit budget and cache identity. A token is never written in
//! the file: it comes from a variable (`token_env`) or a command (`token_command`). With no file
//! at all, the environment alone configures the one unnamed connection, as before.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::http::app::{AppAuth, AppError};
use crate::http::{ClientConfig, Token};

/// Environment variable: the config file to read instead of the default one.
pub const CONFIG_ENV: &str = "GITHUB_SQL_CONFIG";
/// Environment variable: the connection bare table names use.
pub const CONNECTION_ENV: &str = "GITHUB_SQL_CONNECTION";
/// Between a connection's name and a table's in SQLite (`acme__org_versions`) and in
/// PostgreSQL schema names (`acme__packages`).
pub const SEPARATOR: &str = "__";

/// Why the config file cannot be used; every message names the file and the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read the config file {path}: {detail}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        detail: String,
    },
    /// The file is not the TOML expected.
    #[error("the config file {path} is not valid: {detail}")]
    Parse {
        /// The file.
        path: String,
        /// What the parser said (it names the key and line).
        detail: String,
    },
    /// A connection is not usable as written.
    #[error("the config file {path}: connection {name}: {detail}")]
    Connection {
        /// The file.
        path: String,
        /// The connection.
        name: String,
        /// What is wrong and the fix.
        detail: String,
    },
    /// The connection asked for does not exist.
    #[error("no connection {name}{}: {known}", from.as_deref().map(|f| format!(" ({f})")).unwrap_or_default())]
    Unknown {
        /// The name asked for.
        name: String,
        /// Where it was asked (`--connection`, `GITHUB_SQL_CONNECTION`, the file's `default`).
        from: Option<String>,
        /// The names there are.
        known: String,
    },
}

/// A credential command: a program and its arguments, or a shell line (`sh -c`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(untagged)]
enum CommandSpec {
    Line(String),
    Argv(Vec<String>),
}

/// `app_id`: a number, or a client id (`Iv1.…`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(untagged)]
enum AppId {
    Number(u64),
    Text(String),
}

/// One `[connections.NAME]` table as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Def {
    token_env: Option<String>,
    token_command: Option<CommandSpec>,
    /// Refused: a token is never stored in the file (named so the error can say so).
    token: Option<toml::Value>,
    app_id: Option<AppId>,
    private_key_path: Option<PathBuf>,
    private_key_env: Option<String>,
    installation_id: Option<u64>,
    api_url: Option<String>,
    concurrency: Option<usize>,
    write_delay_ms: Option<u64>,
    timeout: Option<f64>,
    max_wait: Option<f64>,
    cache: Option<bool>,
    aggregate: Option<Vec<String>>,
    skip_failures: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    default: Option<String>,
    #[serde(default)]
    connections: BTreeMap<String, Def>,
}

/// A connection: one GitHub account (its client configuration), or an aggregator over several.
#[derive(Clone, Debug)]
pub enum Connection {
    /// One set of credentials and one API.
    Single {
        /// Its name.
        name: String,
        /// Its client configuration (credentials, API URL, pacing, cache).
        config: Box<ClientConfig>,
    },
    /// A SELECT fans out to every member and adds `_connection`.
    Aggregate {
        /// Its name.
        name: String,
        /// The member connections, in the order written.
        members: Vec<String>,
        /// A failing member is skipped (and reported) instead of failing the statement.
        skip_failures: bool,
    },
}

impl Connection {
    /// The connection's name.
    pub fn name(&self) -> &str {
        match self {
            Connection::Single { name, .. } | Connection::Aggregate { name, .. } => name,
        }
    }
}

/// Every named connection, and which one bare table names use.
#[derive(Clone, Debug, Default)]
pub struct Connections {
    /// By name.
    pub list: Vec<Connection>,
    /// The connection bare names use (`None`: the environment's).
    pub default: Option<String>,
    /// The file they came from.
    pub path: Option<PathBuf>,
    /// The variables the file names for credentials (`token_env`, `private_key_env`): a server
    /// started for them (`github-sql serve`) is started without them.
    pub secret_vars: Vec<String>,
}

/// `GITHUB_SQL_CONFIG`, else `$XDG_CONFIG_HOME/github-sql/config.toml`, else
/// `~/.config/github-sql/config.toml`.
pub fn config_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(CONFIG_ENV).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".config")))?;
    Some(base.join("github-sql/config.toml"))
}

/// Whether `name` may name a connection: lower-case letters, digits and single underscores,
/// starting with a letter, and not a name SQL already gives a meaning.
fn valid_name(name: &str) -> Result<(), String> {
    let ok = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.contains(SEPARATOR)
        && !name.ends_with('_');
    if !ok {
        return Err("a connection name is lower-case letters, digits and single underscores, starting with a letter (it becomes part of table and schema names)".into());
    }
    if matches!(name, "github" | "main" | "temp" | "public" | "pg_catalog") {
        return Err(format!(
            "{name} already names something in SQL; choose another name"
        ));
    }
    Ok(())
}

/// Runs a credential command; its first line of output is the token.
fn run_command(cmd: &CommandSpec) -> Result<Token, String> {
    let (program, args, shown) = match cmd {
        CommandSpec::Line(line) => (
            "sh".to_string(),
            vec!["-c".to_string(), line.clone()],
            line.clone(),
        ),
        CommandSpec::Argv(argv) => {
            let Some((p, rest)) = argv.split_first() else {
                return Err("token_command is empty".into());
            };
            (p.clone(), rest.to_vec(), argv.join(" "))
        }
    };
    let out = std::process::Command::new(&program)
        .args(&args)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .output()
        .map_err(|e| format!("token_command `{shown}` could not start: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "token_command `{shown}` failed ({}): {}",
            out.status,
            crate::http::redact(String::from_utf8_lossy(&out.stderr).trim())
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let token = text.lines().next().unwrap_or_default().trim().to_string();
    if token.is_empty() {
        return Err(format!("token_command `{shown}` printed no token"));
    }
    crate::http::register_secret(&token);
    Ok(Token::new(token))
}

impl Connections {
    /// Reads the config file ([`config_path`]) if there is one; each connection's settings
    /// start from `base` (the environment's), with its own credentials. No file: no named
    /// connections.
    pub fn load(base: &ClientConfig) -> Result<Connections, ConfigError> {
        let Some(path) = config_path() else {
            return Ok(Connections::default());
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => Connections::parse(&text, &path, base),
            // No file is the ordinary case; a named one (GITHUB_SQL_CONFIG) must exist.
            Err(e)
                if e.kind() == std::io::ErrorKind::NotFound
                    && std::env::var_os(CONFIG_ENV).is_none_or(|v| v.is_empty()) =>
            {
                Ok(Connections::default())
            }
            Err(e) => Err(ConfigError::Read {
                path: path.display().to_string(),
                detail: e.to_string(),
            }),
        }
    }

    /// Parses a config file's text. Credentials that cannot be had (an unset variable, a
    /// failing command, an unreadable key) do not fail the load: that connection's requests
    /// fail with the reason, and the others work.
    pub fn parse(text: &str, path: &Path, base: &ClientConfig) -> Result<Connections, ConfigError> {
        let shown = path.display().to_string();
        let file: File = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: shown.clone(),
            detail: e.to_string(),
        })?;
        let bad = |name: &str, detail: String| ConfigError::Connection {
            path: shown.clone(),
            name: name.to_string(),
            detail,
        };
        let mut list = Vec::new();
        for (name, def) in &file.connections {
            valid_name(name).map_err(|d| bad(name, d))?;
            if def.token.is_some() {
                return Err(bad(
                    name,
                    "a token is never written in the config file: put it in a variable and name it with token_env, or give a token_command that prints it".into(),
                ));
            }
            if let Some(members) = &def.aggregate {
                let other = def.token_env.is_some()
                    || def.token_command.is_some()
                    || def.app_id.is_some()
                    || def.api_url.is_some();
                if other {
                    return Err(bad(name, "an aggregator takes only aggregate and skip_failures; credentials and api_url belong to its members".into()));
                }
                if members.is_empty() {
                    return Err(bad(name, "aggregate lists no connection".into()));
                }
                for m in members {
                    match file.connections.get(m) {
                        None => {
                            return Err(bad(
                                name,
                                format!(
                                    "aggregate names {m}, which is not a connection of this file (known: {})",
                                    file.connections.keys().cloned().collect::<Vec<_>>().join(", ")
                                ),
                            ))
                        }
                        Some(d) if d.aggregate.is_some() => {
                            return Err(bad(name, format!("aggregate names {m}, which is an aggregator itself; list its members instead")))
                        }
                        Some(_) => {}
                    }
                }
                list.push(Connection::Aggregate {
                    name: name.clone(),
                    members: members.clone(),
                    skip_failures: def.skip_failures.unwrap_or(false),
                });
                continue;
            }
            if def.skip_failures.is_some() {
                return Err(bad(
                    name,
                    "skip_failures belongs to an aggregator (a connection with aggregate = [...])"
                        .into(),
                ));
            }
            let config = Connections::single(name, def, base).map_err(|d| bad(name, d))?;
            list.push(Connection::Single {
                name: name.clone(),
                config: Box::new(config),
            });
        }
        let secret_vars = file
            .connections
            .values()
            .flat_map(|d| [d.token_env.clone(), d.private_key_env.clone()])
            .flatten()
            .collect();
        let c = Connections {
            list,
            default: None,
            path: Some(path.to_path_buf()),
            secret_vars,
        };
        match file.default {
            Some(d) => c.with_default(&d, &format!("default in {shown}")),
            None => Ok(c),
        }
    }

    /// One account's configuration.
    fn single(name: &str, def: &Def, base: &ClientConfig) -> Result<ClientConfig, String> {
        let mut config = ClientConfig {
            token: None,
            basic_user: None,
            app: None,
            credential_error: None,
            connection: Some(name.to_string()),
            ..base.clone()
        };
        if let Some(url) = &def.api_url {
            config.base_url = url.trim().trim_end_matches('/').to_string();
        } else {
            config.base_url = crate::http::DEFAULT_API_URL.to_string();
        }
        // The environment's services (the registry) belong to the environment's API.
        config.servers.clear();
        if let Some(n) = def.concurrency.filter(|n| *n > 0) {
            config.concurrency = n;
        }
        if let Some(ms) = def.write_delay_ms {
            config.write_delay = Duration::from_millis(ms);
        }
        if let Some(s) = def.timeout.filter(|s| s.is_finite() && *s > 0.0) {
            config.timeout = Duration::from_secs_f64(s);
        }
        if let Some(s) = def.max_wait.filter(|s| s.is_finite() && *s >= 0.0) {
            config.retry.max_wait = Duration::from_secs_f64(s);
        }
        if let Some(c) = def.cache {
            config.cache = c;
        }
        let kinds = [
            def.token_env.is_some(),
            def.token_command.is_some(),
            def.app_id.is_some(),
        ]
        .iter()
        .filter(|k| **k)
        .count();
        if kinds > 1 {
            return Err("give one of token_env, token_command or app_id (with private_key_path or private_key_env)".into());
        }
        if let Some(var) = &def.token_env {
            match std::env::var(var)
                .ok()
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
            {
                Some(t) => {
                    crate::http::register_secret(&t);
                    config.token = Some(Token::new(t));
                }
                None => {
                    config.credential_error =
                        Some(format!("its token_env variable {var} is not set or empty"))
                }
            }
        } else if let Some(cmd) = &def.token_command {
            match run_command(cmd) {
                Ok(t) => config.token = Some(t),
                Err(e) => config.credential_error = Some(e),
            }
        } else if let Some(id) = &def.app_id {
            let id = match id {
                AppId::Number(n) => n.to_string(),
                AppId::Text(s) => s.clone(),
            };
            let app = match (&def.private_key_path, &def.private_key_env) {
                (Some(path), None) => AppAuth::from_key_file(&id, path, def.installation_id),
                (None, Some(var)) => match std::env::var(var).ok().filter(|v| !v.trim().is_empty()) {
                    Some(pem) => AppAuth::new(&id, &pem, var, def.installation_id),
                    None => Err(AppError::Incomplete(format!(
                        "its private_key_env variable {var} is not set or empty"
                    ))),
                },
                _ => {
                    return Err("app_id needs exactly one of private_key_path (a PEM file) or private_key_env (a variable holding the PEM text)".into())
                }
            };
            match app {
                Ok(app) => config.app = Some(app),
                Err(e) => config.credential_error = Some(e.to_string()),
            }
        } else {
            return Err("no credentials: give token_env (a variable holding the token), token_command (a command printing it) or app_id with private_key_path or private_key_env".into());
        }
        if (def.private_key_path.is_some()
            || def.private_key_env.is_some()
            || def.installation_id.is_some())
            && def.app_id.is_none()
        {
            return Err(
                "private_key_path, private_key_env and installation_id go with app_id".into(),
            );
        }
        Ok(config)
    }

    /// The same connections with `name` as the default (`from` says who asked, for the error).
    pub fn with_default(mut self, name: &str, from: &str) -> Result<Connections, ConfigError> {
        match self.get(name) {
            Some(Connection::Single { .. }) => {
                self.default = Some(name.to_string());
                Ok(self)
            }
            Some(Connection::Aggregate { .. }) => Err(ConfigError::Unknown {
                name: name.to_string(),
                from: Some(from.to_string()),
                known: format!(
                    "{name} is an aggregator, which cannot be the default; name its tables {name}.<service>.<resource> (SQLite: {name}{SEPARATOR}<table>)"
                ),
            }),
            None => Err(ConfigError::Unknown {
                name: name.to_string(),
                from: Some(from.to_string()),
                known: if self.list.is_empty() {
                    format!(
                        "there is no config file{} ([connections.{name}] defines one; docs/configuration.md)",
                        config_path().map(|p| format!(" at {}", p.display())).unwrap_or_default()
                    )
                } else {
                    format!("known: {}", self.names().join(", "))
                },
            }),
        }
    }

    /// A connection by name.
    pub fn get(&self, name: &str) -> Option<&Connection> {
        self.list.iter().find(|c| c.name() == name)
    }

    /// The names, in order.
    pub fn names(&self) -> Vec<String> {
        self.list.iter().map(|c| c.name().to_string()).collect()
    }

    /// The default connection's configuration, if a named one is the default.
    pub fn default_config(&self) -> Option<&ClientConfig> {
        match self.get(self.default.as_deref()?)? {
            Connection::Single { config, .. } => Some(config.as_ref()),
            Connection::Aggregate { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Connections, ConfigError> {
        Connections::parse(
            text,
            Path::new("/x/config.toml"),
            &ClientConfig::new("https://api.github.com", None),
        )
    }

    #[test]
    fn the_issues_example_parses() {
        std::env::set_var("GHSQL_TEST_TOKEN_A", "ghp_from_the_variable");
        let c = parse(
            r#"
            [connections.acme]
            app_id = 123
            private_key_path = "/nonexistent/acme.pem"
            installation_id = 456
            [connections.me]
            token_env = "GHSQL_TEST_TOKEN_A"
            [connections.ghes]
            token_env = "GHSQL_TEST_TOKEN_UNSET"
            api_url = "https://ghes.example.com/api/v3/"
            write_delay_ms = 10
            [connections.fleet]
            aggregate = ["acme", "me"]
            "#,
        )
        .expect("parses");
        assert_eq!(c.names(), ["acme", "fleet", "ghes", "me"]);
        let Some(Connection::Single { config, .. }) = c.get("me") else {
            panic!()
        };
        assert_eq!(config.token, Some(Token::new("ghp_from_the_variable")));
        assert_eq!(config.connection.as_deref(), Some("me"));
        let Some(Connection::Single { config, .. }) = c.get("ghes") else {
            panic!()
        };
        assert_eq!(config.base_url, "https://ghes.example.com/api/v3");
        assert!(config
            .credential_error
            .as_deref()
            .is_some_and(|e| e.contains("GHSQL_TEST_TOKEN_UNSET")));
        let Some(Connection::Single { config, .. }) = c.get("acme") else {
            panic!()
        };
        assert!(
            config
                .credential_error
                .as_deref()
                .is_some_and(|e| e.contains("/nonexistent/acme.pem")),
            "{:?}",
            config.credential_error
        );
        let Some(Connection::Aggregate {
            members,
            skip_failures,
            ..
        }) = c.get("fleet")
        else {
            panic!()
        };
        assert_eq!(members, &["acme", "me"]);
        assert!(!skip_failures);
    }

    #[test]
    fn mistakes_are_named() {
        let e = |t: &str| parse(t).expect_err(t).to_string();
        assert!(
            e("[connections.a]\ntoken = \"ghp_x\"\n").contains("never written in the config file")
        );
        assert!(e("[connections.a]\ntoken_env = \"X\"\nbogus = 1\n").contains("bogus"));
        assert!(e("[connections.Bad]\ntoken_env = \"X\"\n").contains("lower-case"));
        assert!(e("[connections.github]\ntoken_env = \"X\"\n").contains("already names"));
        assert!(e("[connections.f]\naggregate = [\"nope\"]\n").contains("nope"));
        assert!(e("[connections.a]\n").contains("no credentials"));
        assert!(e("[connections.a]\napp_id = 1\n").contains("private_key_path"));
        assert!(e("default = \"zz\"\n[connections.a]\ntoken_env = \"X\"\n").contains("known: a"));
        assert!(e("default = \"f\"\n[connections.a]\ntoken_env = \"X\"\n[connections.f]\naggregate=[\"a\"]\n").contains("aggregator"));
    }

    #[test]
    fn a_token_command_supplies_the_token() {
        let c = parse("[connections.cmd]\ntoken_command = [\"printf\", \"ghp_cmd_token_1234\\\\nmore\"]\n[connections.bad]\ntoken_command = \"exit 3\"\n").expect("parses");
        let Some(Connection::Single { config, .. }) = c.get("cmd") else {
            panic!()
        };
        assert_eq!(config.token, Some(Token::new("ghp_cmd_token_1234")));
        assert_eq!(crate::http::redact("ghp_cmd_token_1234"), "***");
        let Some(Connection::Single { config, .. }) = c.get("bad") else {
            panic!()
        };
        assert!(config
            .credential_error
            .as_deref()
            .is_some_and(|e| e.contains("exit 3")));
    }
}
