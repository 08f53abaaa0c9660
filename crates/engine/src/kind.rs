//! What kind of failure an error is: the one classification every front end maps to its own
//! codes (an SQLite result code, a Postgres SQLSTATE, an exit status). Every layer's error
//! names its kind; nothing here depends on any layer.

/// What kind of failure an error is, for front ends that report a code (Postgres's SQLSTATE).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// A required parameter or argument is missing (WHERE, EXEC).
    MissingParameter,
    /// A value is invalid for its parameter.
    BadValue,
    /// The statement or verb is not supported.
    NotSupported,
    /// No token, or GitHub rejected it (401).
    Unauthenticated,
    /// The token lacks a scope (403).
    Forbidden,
    /// GitHub's rate limit is exhausted.
    RateLimited,
    /// GitHub answered 404.
    NotFound,
    /// GitHub or the network failed, or answered something unexpected.
    Upstream,
    /// The configuration (provider document, GITHUB_API_URL) is unusable.
    Config,
    /// A front end's usage error.
    Usage,
    /// A file or stream failed.
    Io,
    /// The statement was interrupted (a cancel, a timeout, Ctrl-C).
    Cancelled,
    /// A bug in github-sql.
    Internal,
    /// A bulk write the user has not confirmed; nothing was sent.
    NeedsConfirmation,
    /// A write statement could mean several methods; nothing was sent.
    Ambiguous,
}
