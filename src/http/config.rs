//! Where the token and the API base URL come from.

use std::fmt;

/// Environment variables read for the token, in order of preference.
pub const TOKEN_ENVS: [&str; 3] = ["GITHUB_TOKEN", "GH_TOKEN", "STACKQL_GITHUB_PASSWORD"];
/// Environment variable for the API base URL (GitHub Enterprise Server: `https://HOST/api/v3`).
pub const API_URL_ENV: &str = "GITHUB_API_URL";
/// github.com's API.
pub const DEFAULT_API_URL: &str = "https://api.github.com";

/// A GitHub token. Never printed: `Debug` shows `Token(***)` and there is no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Wraps a token string.
    pub fn new(s: impl Into<String>) -> Self {
        Token(s.into())
    }

    /// The secret itself, for the Authorization header only.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

/// How to reach GitHub.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// API base URL without a trailing slash.
    pub base_url: String,
    /// Token, if one was configured.
    pub token: Option<Token>,
    /// Minimum time between the starts of two mutating requests (`GITHUB_SQL_WRITE_DELAY_MS`).
    pub write_delay: std::time::Duration,
}

impl ClientConfig {
    /// Reads `GITHUB_TOKEN` / `GH_TOKEN` / `STACKQL_GITHUB_PASSWORD` and `GITHUB_API_URL`.
    pub fn from_env() -> Self {
        let token = TOKEN_ENVS
            .iter()
            .filter_map(|k| std::env::var(k).ok())
            .map(|t| t.trim().to_string())
            .find(|t| !t.is_empty())
            .map(Token);
        let base_url = std::env::var(API_URL_ENV)
            .ok()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_API_URL.to_string());
        ClientConfig {
            write_delay: super::pace::delay_from_env(),
            ..ClientConfig::new(base_url, token)
        }
    }

    /// A configuration for this base URL and token.
    pub fn new(base_url: impl Into<String>, token: Option<Token>) -> Self {
        let base_url = base_url.into().trim().trim_end_matches('/').to_string();
        ClientConfig {
            base_url,
            token,
            write_delay: super::pace::DEFAULT_WRITE_DELAY,
        }
    }

    /// The same configuration with another delay between writes.
    pub fn with_write_delay(mut self, delay: std::time::Duration) -> Self {
        self.write_delay = delay;
        self
    }
}
