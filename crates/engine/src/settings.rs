//! Every `GITHUB_SQL_*` setting in one table: its name, default, what values it takes and what it
//! does, and the one parser each kind of value has. docs/configuration.md and the binary's
//! `--help` show this table; a test checks that they list every setting.
//!
//! The readers ([`count`], [`seconds`], [`millis`], [`switch`], [`choice`]) give `None` for a variable that is
//! unset or not valid, so the code that reads a setting falls back to its default; the front
//! ends call [`check_env`] when they start, which turns a value that is not valid into an error
//! naming the variable and what it takes (`GITHUB_SQL_CONCURRENCY=0`, `GITHUB_SQL_CACHE=maybe`).

use std::time::Duration;

/// What values a setting takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A whole number at least this large.
    Count {
        /// The smallest value.
        min: u64,
    },
    /// A number of seconds (fractions allowed); zero allowed or not.
    Seconds {
        /// Whether 0 is a value.
        zero: bool,
    },
    /// A whole number of milliseconds, 0 or more.
    Millis,
    /// On or off.
    Switch,
    /// One of a few words, each meaning one of the setting's values.
    Choice {
        /// Each word (matched without regard to case) and the value it means.
        words: &'static [(&'static str, &'static str)],
        /// The words in a sentence, for `--help`, docs/configuration.md and errors.
        takes: &'static str,
    },
    /// A `tracing` filter.
    LogFilter,
    /// An http(s) URL.
    Url,
    /// A file, a directory or a command: any text.
    Text,
}

impl Kind {
    /// What the values look like, for `--help`, docs/configuration.md and errors.
    pub fn takes(self) -> &'static str {
        match self {
            Kind::Count { min: 0 } => "a whole number, 0 or more",
            Kind::Count { .. } => "a whole number, 1 or more",
            Kind::Seconds { zero: true } => "a number of seconds, 0 or more",
            Kind::Seconds { zero: false } => "a number of seconds greater than 0",
            Kind::Millis => "a whole number of milliseconds, 0 or more",
            Kind::Switch => "on, 1, true or yes; off, 0, false or no",
            Kind::Choice { takes, .. } => takes,
            Kind::LogFilter => {
                "a level (error, warn, info, debug, trace) or tracing directives such as github_sql=debug"
            }
            Kind::Url => "an http:// or https:// URL",
            Kind::Text => "any text",
        }
    }
}

/// One setting.
#[derive(Clone, Copy, Debug)]
pub struct Setting {
    /// The environment variable.
    pub name: &'static str,
    /// What it takes.
    pub kind: Kind,
    /// The value when unset, in words.
    pub default: &'static str,
    /// What it does (one sentence).
    pub meaning: &'static str,
}

impl Setting {
    /// The `github-sql` flag that sets it too: the name without `GITHUB_SQL_`, in lower case
    /// with dashes (`GITHUB_SQL_WRITE_DELAY_MS` → `write-delay-ms`).
    pub fn flag(&self) -> String {
        self.name
            .trim_start_matches("GITHUB_SQL_")
            .to_ascii_lowercase()
            .replace('_', "-")
    }
}

/// Every `GITHUB_SQL_*` setting, alphabetically. (The token and API URL variables are
/// [`crate::http::TOKEN_ENVS`] and [`crate::http::API_URL_ENV`].)
pub const SETTINGS: &[Setting] = &[
    Setting {
        name: "GITHUB_SQL_ALLOW_VIEWS",
        kind: Kind::Switch,
        default: "off",
        meaning: "Lets views and triggers stored in database files use the tables (SQLite).",
    },
    Setting {
        name: "GITHUB_SQL_CACHE",
        kind: Kind::Choice {
            words: CACHE_WORDS,
            takes: "disk, memory or off (on, 1, true and yes mean disk; 0, false and no mean off)",
        },
        default: "disk",
        meaning: "The response cache: disk shares it and the pacing state with every process through the cache directory; memory keeps it in the process; off sends no conditional requests.",
    },
    Setting {
        name: "GITHUB_SQL_CACHE_DIR",
        kind: Kind::Text,
        default: "$XDG_CACHE_HOME/github-sql, else ~/.cache/github-sql",
        meaning: "Where the shared cache lives (the directory made 0700, its files 0600).",
    },
    Setting {
        name: "GITHUB_SQL_CACHE_MAX_AGE",
        kind: Kind::Seconds { zero: true },
        default: "unset (every GET is revalidated)",
        meaning: "Answers validated less than this long ago are served without a request (for dashboards); 0 is unset.",
    },
    Setting {
        name: "GITHUB_SQL_CACHE_MAX_MB",
        kind: Kind::Count { min: 1 },
        default: "256",
        meaning: "The cache's size bound in MiB; least recently used answers go first (in memory at most 64).",
    },
    Setting {
        name: "GITHUB_SQL_CONCURRENCY",
        kind: Kind::Count { min: 1 },
        default: "8",
        meaning: "Read requests in flight at once per scan (a list of up to 20 pages goes out whole after its first page); the process keeps to GitHub's 100.",
    },
    Setting {
        name: "GITHUB_SQL_CONFIG",
        kind: Kind::Text,
        default: "$XDG_CONFIG_HOME/github-sql/config.toml (~/.config/… when unset)",
        meaning: "The config file of named connections ([connections.NAME]); no file, no named connections.",
    },
    Setting {
        name: "GITHUB_SQL_CONFIRM_OVER",
        kind: Kind::Count { min: 0 },
        default: "100",
        meaning: "A DELETE of more rows than this (or of every version of a package) needs confirmation.",
    },
    Setting {
        name: "GITHUB_SQL_CONNECTION",
        kind: Kind::Text,
        default: "the config file's default, else the environment's token",
        meaning: "The named connection bare table names use; every connection stays reachable as NAME.service.resource.",
    },
    Setting {
        name: "GITHUB_SQL_DEADLINE",
        kind: Kind::Seconds { zero: false },
        default: "600",
        meaning: "The longest time one statement may take (its scans and a DELETE's requests).",
    },
    Setting {
        name: "GITHUB_SQL_JOURNAL",
        kind: Kind::Text,
        default: "~/.local/state/github-sql/journal.jsonl ($XDG_STATE_HOME/github-sql/… when set)",
        meaning: "The write journal's file, or off (0, false, no). --demo journals only when it is set.",
    },
    Setting {
        name: "GITHUB_SQL_LOG",
        kind: Kind::LogFilter,
        default: "warn",
        meaning: "Log filter for stderr (the binary; the extension when it is set).",
    },
    Setting {
        name: "GITHUB_SQL_MAX_BODY_MB",
        kind: Kind::Count { min: 1 },
        default: "64",
        meaning: "The largest response body, in MiB.",
    },
    Setting {
        name: "GITHUB_SQL_MAX_PAGES",
        kind: Kind::Count { min: 1 },
        default: "10000",
        meaning: "The most pages one scan may read (all its IN-list sources together).",
    },
    Setting {
        name: "GITHUB_SQL_MAX_SCAN_MB",
        kind: Kind::Count { min: 1 },
        default: "1024",
        meaning: "The most body bytes one scan may read, in MiB.",
    },
    Setting {
        name: "GITHUB_SQL_MAX_WAIT",
        kind: Kind::Seconds { zero: true },
        default: "60",
        meaning: "The longest wait for an exhausted rate limit to reset before the statement fails.",
    },
    Setting {
        name: "GITHUB_SQL_PAGER",
        kind: Kind::Text,
        default: "$PAGER",
        meaning: "The shell's pager for results wider or taller than the terminal.",
    },
    Setting {
        name: "GITHUB_SQL_PG_PACKAGE",
        kind: Kind::Text,
        default: "unset (the installed extension)",
        meaning: "A `cargo pgrx package` directory that `github-sql serve` loads the wrapper from.",
    },
    Setting {
        name: "GITHUB_SQL_POINTS_PER_MINUTE",
        kind: Kind::Count { min: 0 },
        default: "900",
        meaning: "GitHub's secondary limit the client paces itself by, shared across processes (a GET is 1 point, a write 5); 0 turns pacing by points off.",
    },
    Setting {
        name: "GITHUB_SQL_PROVIDER_DIR",
        kind: Kind::Text,
        default: "unset (the embedded provider)",
        meaning: "A provider directory that replaces the embedded document.",
    },
    Setting {
        name: "GITHUB_SQL_REGISTRY_URL",
        kind: Kind::Url,
        default: "https://ghcr.io (GitHub Enterprise Server: https://containers.HOST)",
        meaning: "The container registry the github.registry tables read.",
    },
    Setting {
        name: "GITHUB_SQL_TIMEOUT",
        kind: Kind::Seconds { zero: false },
        default: "30",
        meaning: "Seconds one request may take; connecting gets at most 10 of them.",
    },
    Setting {
        name: "GITHUB_SQL_WRITE_DELAY_MS",
        kind: Kind::Millis,
        default: "1000",
        meaning: "The minimum time between the starts of two write requests (DELETE, restore, other writes).",
    },
];

/// `GITHUB_SQL_CACHE`'s words and what each means ([`choice`] gives the meaning).
const CACHE_WORDS: &[(&str, &str)] = &[
    ("disk", "disk"),
    ("memory", "memory"),
    ("off", "off"),
    ("on", "disk"),
    ("1", "disk"),
    ("true", "disk"),
    ("yes", "disk"),
    ("0", "off"),
    ("false", "off"),
    ("no", "off"),
];

/// A setting whose value is not one it takes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{name}={value:?} is not valid: {name} takes {takes}")]
pub struct SettingError {
    /// The variable.
    pub name: &'static str,
    /// The value it holds.
    pub value: String,
    /// What it takes.
    pub takes: &'static str,
}

/// The setting of this name.
pub fn setting(name: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.name == name)
}

/// What a value means for a kind of setting: `Ok(None)` for an empty value (unset).
enum Parsed {
    Count(u64),
    Seconds(Duration),
    Switch(bool),
    Choice(&'static str),
    Other,
}

fn parse(kind: Kind, value: &str) -> Option<Option<Parsed>> {
    let v = value.trim();
    if v.is_empty() {
        return Some(None);
    }
    let parsed = match kind {
        Kind::Count { min } => Parsed::Count(v.parse::<u64>().ok().filter(|n| *n >= min)?),
        Kind::Millis => Parsed::Seconds(Duration::from_millis(v.parse::<u64>().ok()?)),
        Kind::Seconds { zero } => {
            let s = v
                .parse::<f64>()
                .ok()
                .filter(|s| s.is_finite() && *s >= 0.0 && (zero || *s > 0.0))?;
            Parsed::Seconds(Duration::try_from_secs_f64(s).ok()?)
        }
        Kind::Switch => Parsed::Switch(match v.to_ascii_lowercase().as_str() {
            "on" | "1" | "true" | "yes" => true,
            "off" | "0" | "false" | "no" => false,
            _ => return None,
        }),
        Kind::Choice { words, .. } => Parsed::Choice(
            words
                .iter()
                .find(|(w, _)| w.eq_ignore_ascii_case(v))
                .map(|(_, meaning)| *meaning)?,
        ),
        Kind::LogFilter => {
            tracing_subscriber::EnvFilter::try_new(crate::logging::directives(Some(v))).ok()?;
            Parsed::Other
        }
        Kind::Url => {
            let url = url::Url::parse(v).ok()?;
            if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
                return None;
            }
            Parsed::Other
        }
        Kind::Text => Parsed::Other,
    };
    Some(Some(parsed))
}

/// Checks one value of a setting.
pub fn check(setting: &'static Setting, value: &str) -> Result<(), SettingError> {
    match parse(setting.kind, value) {
        Some(_) => Ok(()),
        None => Err(SettingError {
            name: setting.name,
            value: value.to_string(),
            takes: setting.kind.takes(),
        }),
    }
}

/// Checks every setting the environment sets; the first that is not valid is the error.
pub fn check_env() -> Result<(), SettingError> {
    for s in SETTINGS {
        if let Some(v) = std::env::var_os(s.name) {
            check(s, &v.to_string_lossy())?;
        }
    }
    Ok(())
}

fn read(name: &str) -> Option<Parsed> {
    let s = setting(name)?;
    let v = std::env::var(s.name).ok()?;
    parse(s.kind, &v).flatten()
}

/// A whole-number setting (`GITHUB_SQL_CONCURRENCY`); `None` when unset or not valid.
pub fn count(name: &str) -> Option<u64> {
    match read(name)? {
        Parsed::Count(n) => Some(n),
        _ => None,
    }
}

/// A seconds setting (`GITHUB_SQL_TIMEOUT`) or a milliseconds one (`GITHUB_SQL_WRITE_DELAY_MS`),
/// as a duration; `None` when unset or not valid.
pub fn duration(name: &str) -> Option<Duration> {
    match read(name)? {
        Parsed::Seconds(d) => Some(d),
        _ => None,
    }
}

/// An on/off setting (`GITHUB_SQL_CACHE`); `None` when unset or not valid.
pub fn switch(name: &str) -> Option<bool> {
    match read(name)? {
        Parsed::Switch(b) => Some(b),
        _ => None,
    }
}

/// A setting of a few words (`GITHUB_SQL_CACHE`): what the word set means; `None` when unset or
/// not valid.
pub fn choice(name: &str) -> Option<&'static str> {
    match read(name)? {
        Parsed::Choice(c) => Some(c),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(name: &str) -> &'static Setting {
        setting(name).expect(name)
    }

    #[test]
    fn values_that_are_not_valid_name_the_variable_and_what_it_takes() {
        for (name, bad) in [
            ("GITHUB_SQL_CONCURRENCY", "0"),
            ("GITHUB_SQL_TIMEOUT", "abc"),
            ("GITHUB_SQL_TIMEOUT", "0"),
            ("GITHUB_SQL_CACHE", "maybe"),
            ("GITHUB_SQL_LOG", "nonsense==="),
            ("GITHUB_SQL_WRITE_DELAY_MS", "1.5"),
            ("GITHUB_SQL_MAX_WAIT", "-1"),
            ("GITHUB_SQL_REGISTRY_URL", "ftp://x"),
            ("GITHUB_SQL_ALLOW_VIEWS", "sure"),
            ("GITHUB_SQL_CACHE_MAX_MB", "0"),
            ("GITHUB_SQL_CACHE_MAX_AGE", "soon"),
            ("GITHUB_SQL_POINTS_PER_MINUTE", "-5"),
        ] {
            let e = check(s(name), bad).expect_err(bad);
            let text = e.to_string();
            assert!(
                text.starts_with(&format!("{name}={bad:?} is not valid")),
                "{text}"
            );
            assert!(text.contains(s(name).kind.takes()), "{text}");
        }
    }

    #[test]
    fn valid_values_pass() {
        for (name, good) in [
            ("GITHUB_SQL_CONCURRENCY", "16"),
            ("GITHUB_SQL_TIMEOUT", "2.5"),
            ("GITHUB_SQL_MAX_WAIT", "0"),
            ("GITHUB_SQL_CACHE", "off"),
            ("GITHUB_SQL_CACHE", "YES"),
            ("GITHUB_SQL_CACHE", "Memory"),
            ("GITHUB_SQL_CACHE", "disk"),
            ("GITHUB_SQL_CACHE_MAX_AGE", "0"),
            ("GITHUB_SQL_POINTS_PER_MINUTE", "0"),
            ("GITHUB_SQL_LOG", "debug"),
            ("GITHUB_SQL_LOG", "github_sql=debug,hyper=warn"),
            ("GITHUB_SQL_WRITE_DELAY_MS", "0"),
            ("GITHUB_SQL_REGISTRY_URL", "http://127.0.0.1:5000"),
            ("GITHUB_SQL_JOURNAL", "off"),
            ("GITHUB_SQL_TIMEOUT", ""),
        ] {
            check(s(name), good).unwrap_or_else(|e| panic!("{e}"));
        }
    }

    #[test]
    fn cache_words_mean_disk_memory_or_off() {
        let kind = s("GITHUB_SQL_CACHE").kind;
        for (word, want) in [
            ("disk", "disk"),
            ("ON", "disk"),
            ("1", "disk"),
            ("memory", "memory"),
            ("off", "off"),
            ("no", "off"),
        ] {
            match parse(kind, word) {
                Some(Some(Parsed::Choice(c))) => assert_eq!(c, want, "{word}"),
                _ => panic!("{word} is a cache word"),
            }
        }
    }

    #[test]
    fn the_table_is_sorted_and_names_every_variable_once() {
        let names: Vec<&str> = SETTINGS.iter().map(|s| s.name).collect();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(names, sorted);
        assert!(names.iter().all(|n| n.starts_with("GITHUB_SQL_")));
    }
}
