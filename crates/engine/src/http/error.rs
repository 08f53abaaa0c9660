//! What can go wrong talking to GitHub, each message naming the cause and the fix.

use crate::kind::ErrorKind;

/// A failed GitHub call. Messages never contain the token.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// No token configured; nothing was sent.
    #[error(
        "no GitHub token: set GITHUB_TOKEN (or GH_TOKEN) to a personal access token (classic) \
         {need}"
    )]
    MissingToken {
        /// What the token needs: "with the read:packages scope(s)", or, for an operation whose
        /// document names no scopes, "with the scopes this operation needs".
        need: String,
    },
    /// The token cannot be an HTTP header value (a stray newline or control character).
    #[error("the GitHub token contains characters a header cannot carry (a newline?); check GITHUB_TOKEN")]
    BadToken,
    /// `GITHUB_API_URL` is unusable.
    #[error("GITHUB_API_URL {value:?} is not usable: {reason}; use https://api.github.com or, for GitHub Enterprise Server, https://HOST/api/v3")]
    BadBaseUrl {
        /// The configured value.
        value: String,
        /// Why.
        reason: String,
    },
    /// The token would go over plain http to a non-loopback host.
    #[error("refusing to send the GitHub token over plain http to {host}: use an https:// GITHUB_API_URL")]
    InsecureUrl {
        /// Host that was refused.
        host: String,
    },
    /// A parameter value cannot go into a URL path.
    #[error("{param} {value:?} is not a valid value: {reason}")]
    BadPathParam {
        /// Parameter name.
        param: String,
        /// Value given.
        value: String,
        /// Why.
        reason: String,
    },
    /// The statement was interrupted (Ctrl-C, `sqlite3_interrupt`, a cancel or a timeout) while
    /// it waited for GitHub; what was in flight was cancelled.
    #[error("interrupted: the statement was cancelled while it waited for GitHub; its result is incomplete and was discarded")]
    Interrupted,
    /// A bound on what an answer or a scan may cost was reached; nothing partial is returned.
    #[error("{what}: over the {bound} bound ({limit}); the statement was stopped and its result discarded; raise {env} if this is expected")]
    Bound {
        /// Which bound (e.g. "response body size").
        bound: &'static str,
        /// The variable that raises it.
        env: &'static str,
        /// The bound's value, with its unit.
        limit: String,
        /// What happened, naming the request.
        what: String,
    },
    /// GitHub's `next` link points at a page this scan already read (it would loop forever).
    #[error("GitHub's Link rel=\"next\" on {path} points at {next}, a page this scan already read; stopped instead of looping (the result is incomplete and was discarded)")]
    LinkLoop {
        /// The page whose header loops.
        path: String,
        /// The repeated URL's path and query.
        next: String,
    },
    /// 401.
    #[error("GitHub rejected the token (401 {message}): check GITHUB_TOKEN; it may be mistyped, expired or revoked")]
    Unauthorized {
        /// GitHub's message.
        message: String,
    },
    /// 403 that is not a rate limit.
    #[error("GitHub refused the request (403 {message}): {need}")]
    Forbidden {
        /// GitHub's message.
        message: String,
        /// What the token lacks ([`HttpError::forbidden`]).
        need: String,
    },
    /// The secondary rate limit kept answering.
    #[error("GitHub's secondary rate limit refused {path} {tries} times ({message}); wait a few minutes and lower GITHUB_SQL_CONCURRENCY")]
    SecondaryRateLimited {
        /// GitHub's message.
        message: String,
        /// Request path and query.
        path: String,
        /// Attempts made.
        tries: u32,
    },
    /// Primary rate limit exhausted.
    #[error("GitHub API rate limit exhausted; resets at {reset_utc} UTC (in {minutes} min)")]
    RateLimited {
        /// Reset time, HH:MM:SS.
        reset_utc: String,
        /// Minutes until reset.
        minutes: u64,
    },
    /// 404.
    #[error("GitHub answered 404 ({message}) for {path}")]
    NotFound {
        /// GitHub's message.
        message: String,
        /// Request path.
        path: String,
    },
    /// 422.
    #[error("GitHub could not process the request (422): {message}")]
    Unprocessable {
        /// GitHub's message.
        message: String,
    },
    /// Any other non-success status.
    #[error("GitHub answered {status} for {method} {path}{}: {message}", after(*.tries))]
    Status {
        /// HTTP status.
        status: u16,
        /// HTTP method.
        method: String,
        /// Request path and query (the page shows in it).
        path: String,
        /// GitHub's message.
        message: String,
        /// Attempts made.
        tries: u32,
    },
    /// The connection failed or timed out.
    #[error("cannot reach GitHub at {url}{}: {detail}", after(*.tries))]
    Transport {
        /// URL without credentials.
        url: String,
        /// What happened.
        detail: String,
        /// Attempts made.
        tries: u32,
    },
    /// The body was not the JSON the document describes.
    #[error("GitHub's answer for {path} is not the expected JSON: {detail}")]
    BadJson {
        /// Request path.
        path: String,
        /// What was wrong.
        detail: String,
    },
    /// An answer that is neither JSON nor text (an archive): a file to fetch, not a value.
    #[error("GitHub's answer for {path} is {media}, not JSON or text; fetch such a file from the URL its redirect gives with github_sql_download(url)")]
    NotText {
        /// Request path.
        path: String,
        /// The answer's media type.
        media: String,
    },
    /// A download URL github-sql does not fetch.
    #[error("github_sql_download({url}): {reason}; give the https URL a download's redirect answered with (its `location`)")]
    BadDownload {
        /// The URL given (redacted).
        url: String,
        /// Why not.
        reason: String,
    },
    /// A Link header pointed away from the API host.
    #[error(
        "GitHub's Link header points at another host ({url}); refusing to follow it with the token"
    )]
    ForeignLink {
        /// The link.
        url: String,
    },
    /// A GitHub App's step failed (its JWT, finding or getting an installation token).
    #[error("GitHub App {app_id}: {step} failed: {detail}")]
    App {
        /// The app id.
        app_id: String,
        /// What was being done.
        step: String,
        /// What GitHub said, and the fix.
        detail: String,
    },
    /// The configured credentials cannot be used; nothing was sent.
    #[error("the credentials{} cannot be used: {detail}", connection.as_deref().map(|c| format!(" of connection {c}")).unwrap_or_default())]
    Credentials {
        /// The connection, when it is a named one.
        connection: Option<String>,
        /// Why (names the variable, file or command, never the secret).
        detail: String,
    },
    /// The container registry's part of a request failed (handshake, digest check, a manifest
    /// that must exist).
    #[error(transparent)]
    Registry(#[from] RegistryError),
}

impl HttpError {
    /// Whether this is a 404 (lists and gets of absent packages read as zero rows).
    pub fn is_not_found(&self) -> bool {
        matches!(self, HttpError::NotFound { .. })
    }

    /// The HTTP status GitHub answered with, when the failure was an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            HttpError::Unauthorized { .. } => Some(401),
            HttpError::Forbidden { .. } => Some(403),
            HttpError::NotFound { .. } => Some(404),
            HttpError::Unprocessable { .. } => Some(422),
            HttpError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether a write that failed this way may nevertheless have been done by GitHub (a 5xx,
    /// a timeout or a broken connection after the request left).
    pub fn is_ambiguous(&self) -> bool {
        match self {
            HttpError::Status { status, .. } => *status >= 500,
            HttpError::Transport { .. } | HttpError::Interrupted => true,
            _ => false,
        }
    }

    /// Whether an interrupt or the statement's deadline ended a wait before (or instead of a
    /// retry of) a write: GitHub has not processed it.
    pub fn not_processed(&self) -> bool {
        matches!(
            self,
            HttpError::Interrupted
                | HttpError::Bound {
                    bound: "statement deadline",
                    ..
                }
        )
    }
}

fn after(tries: u32) -> String {
    if tries > 1 {
        format!(" (after {tries} tries)")
    } else {
        String::new()
    }
}

impl HttpError {
    /// No token, for a call whose document names these scopes (maybe none).
    pub fn missing_token(scopes: &[String]) -> HttpError {
        let need = if scopes.is_empty() {
            "with the scopes this operation needs (GitHub's docs for it name them)".to_string()
        } else {
            format!("with the {} scope(s)", scopes.join(", "))
        };
        HttpError::MissingToken { need }
    }

    /// A 403 that is not a rate limit. The scopes named are the method's own (its service
    /// document's `x-github-sql-scopes`), else those GitHub's `X-Accepted-OAuth-Scopes` header
    /// lists; with neither, the message says GitHub named none rather than guess.
    pub fn forbidden(
        message: String,
        scopes: &[String],
        accepted_header: Option<&str>,
    ) -> HttpError {
        let accepted: Vec<String> = accepted_header
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        let (named, source) = if !scopes.is_empty() {
            (scopes.to_vec(), "")
        } else {
            (accepted, " (GitHub's X-Accepted-OAuth-Scopes)")
        };
        let need = match named.as_slice() {
            [] => "the token lacks a permission this operation needs, and GitHub named no scope; \
                   for a fine-grained token, grant the repository or organization permission \
                   the operation's docs list"
                .to_string(),
            [one] => {
                format!("the token needs the {one} scope{source} (personal access token, classic)")
            }
            many => format!(
                "the token needs the {} scopes{source} (personal access token, classic)",
                many.join(" and ")
            ),
        };
        HttpError::Forbidden { message, need }
    }

    /// A 403 answered to a GitHub App installation token: installations have permissions, not
    /// scopes, and GitHub names the one it wanted in `X-Accepted-GitHub-Permissions`
    /// (`packages=write`).
    pub fn forbidden_installation(
        message: String,
        app_id: &str,
        installation: u64,
        accepted_header: Option<&str>,
    ) -> HttpError {
        let wanted: Vec<String> = accepted_header
            .unwrap_or_default()
            .split([',', ';'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|p| match p.split_once('=') {
                Some((k, v)) => format!("{k}: {v}"),
                None => p.to_string(),
            })
            .collect();
        let need = match wanted.as_slice() {
            [] => format!(
                "the GitHub App {app_id}'s installation {installation} lacks a permission this \
                 operation needs, or the resource is outside it, and GitHub named none; check \
                 the App's permissions and the installation's repositories"
            ),
            w => format!(
                "the GitHub App {app_id}'s installation {installation} needs the {} permission \
                 (GitHub's X-Accepted-GitHub-Permissions): grant it in the App's settings and \
                 accept the change on the installation",
                w.join(" or ")
            ),
        };
        HttpError::Forbidden { message, need }
    }
}

/// What went wrong in the registry's part of a request. Messages never contain a token.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// A 401 without a Bearer challenge the client can answer.
    #[error("the container registry refused {path} (401) without a usable `WWW-Authenticate: Bearer realm=…` challenge ({detail}); check GITHUB_SQL_REGISTRY_URL points at a registry (https://ghcr.io, or your GHES container host)")]
    NoChallenge {
        /// Request path.
        path: String,
        /// What the challenge lacked.
        detail: String,
    },
    /// The challenge's realm is on another host: the token is not sent there.
    #[error("the container registry's token realm {realm} is not on the registry's host {host}; refusing to send the GitHub token there (set GITHUB_SQL_REGISTRY_URL to the registry that issues its own tokens)")]
    ForeignRealm {
        /// The realm URL.
        realm: String,
        /// The registry's host.
        host: String,
    },
    /// The realm did not hand out a token.
    #[error("the container registry's token endpoint refused scope {scope} ({status} {message}): the GitHub token needs the read:packages scope and access to the package")]
    TokenRefused {
        /// Scope asked for.
        scope: String,
        /// HTTP status (0: no answer).
        status: u16,
        /// The registry's message.
        message: String,
    },
    /// Still 401 with a fresh bearer token.
    #[error("the container registry rejected the token for {path} (401 {message}): the GitHub token needs read:packages and access to the package")]
    Unauthorized {
        /// Request path.
        path: String,
        /// The registry's message.
        message: String,
    },
    /// The body is not the content its digest names.
    #[error("the container registry answered {path} with content whose digest is {actual}, not {expected}; refusing to use it (a proxy or cache in between altered it?)")]
    DigestMismatch {
        /// Request path.
        path: String,
        /// The digest asked for or announced.
        expected: String,
        /// SHA-256 of the bytes received.
        actual: String,
    },
    /// A manifest that must exist does not (404).
    #[error("the container registry has no manifest {reference} in {repository} (404 {message}); the image is broken or the version was deleted, so the statement stops and changes nothing (find such images with the ghost and partial queries of docs/pruning.md)")]
    ManifestUnknown {
        /// `owner/image`.
        repository: String,
        /// Tag or digest.
        reference: String,
        /// The registry's message.
        message: String,
    },
}

impl RegistryError {
    /// The error's kind, for front ends.
    pub fn kind(&self) -> ErrorKind {
        match self {
            RegistryError::NoChallenge { .. } | RegistryError::ForeignRealm { .. } => {
                ErrorKind::Config
            }
            RegistryError::TokenRefused { .. } | RegistryError::Unauthorized { .. } => {
                ErrorKind::Unauthenticated
            }
            RegistryError::DigestMismatch { .. } => ErrorKind::Upstream,
            RegistryError::ManifestUnknown { .. } => ErrorKind::NotFound,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::HttpError;

    #[test]
    fn a_403_names_the_documents_scopes_else_githubs_else_says_none_were_named() {
        let msg = |scopes: &[&str], header: Option<&str>| {
            let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
            HttpError::forbidden("Forbidden".into(), &scopes, header).to_string()
        };
        assert_eq!(
            msg(&["read:packages", "delete:packages"], Some("repo")),
            "GitHub refused the request (403 Forbidden): the token needs the read:packages and \
             delete:packages scopes (personal access token, classic)"
        );
        assert_eq!(
            msg(&[], Some("repo, admin:org")),
            "GitHub refused the request (403 Forbidden): the token needs the repo and admin:org \
             scopes (GitHub's X-Accepted-OAuth-Scopes) (personal access token, classic)"
        );
        assert!(msg(&[], Some(" ")).contains("GitHub named no scope"));
        assert!(msg(&[], None).contains("GitHub named no scope"));
        assert!(HttpError::missing_token(&[])
            .to_string()
            .contains("the scopes this operation needs"));
    }
}
