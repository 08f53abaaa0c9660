//! The token type: a secret that is never printed. Below the client's configuration and the
//! GitHub App's authentication, which both hold tokens.

use std::fmt;

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

    /// The secret, to hand to a store made for it (`github-sql serve` puts it in a Postgres
    /// user mapping FOR PUBLIC); never for printing.
    pub fn reveal(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}
