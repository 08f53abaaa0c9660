//! Redaction at the boundary: every string that leaves the process (errors, log lines, messages
//! to clients) goes through [`redact`], which removes the configured tokens whatever GitHub
//! echoed, and the userinfo of any URL in it.

use std::sync::RwLock;

static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// What a removed secret reads as.
pub const REDACTED: &str = "***";

/// Remembers a secret (a token) so [`redact`] removes it. Clients register their token when they
/// are built; secrets too short to be tokens are ignored (they would mangle ordinary text).
pub fn register_secret(secret: &str) {
    let secret = secret.trim();
    if secret.len() < 4 {
        return;
    }
    let mut s = SECRETS.write().unwrap_or_else(|e| e.into_inner());
    if !s.iter().any(|k| k == secret) {
        s.push(secret.to_string());
        // Longest first, so a token containing another is removed whole.
        s.sort_by_key(|k| std::cmp::Reverse(k.len()));
    }
}

/// `s` without any registered token and without userinfo in URLs (`https://user:pw@host` →
/// `https://***@host`).
pub fn redact(s: &str) -> String {
    let mut out = strip_userinfo(s);
    let secrets = SECRETS.read().unwrap_or_else(|e| e.into_inner());
    for k in secrets.iter() {
        if out.contains(k.as_str()) {
            out = out.replace(k.as_str(), REDACTED);
        }
    }
    out
}

/// Replaces `scheme://userinfo@` with `scheme://***@`.
fn strip_userinfo(s: &str) -> String {
    if !s.contains("://") {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        // The authority ends at the first '/', '?', '#' or whitespace.
        let end = tail
            .find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace() || c == '"')
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rfind('@') {
            Some(at) => {
                out.push_str(REDACTED);
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_userinfo_are_removed() {
        register_secret("ghp_unit_secret_42");
        assert_eq!(
            redact("401 Bad credentials: Bearer ghp_unit_secret_42!"),
            "401 Bad credentials: Bearer ***!"
        );
        assert_eq!(
            redact("cannot reach https://me:ghp_x@api.example.com/v3?a=b"),
            "cannot reach https://***@api.example.com/v3?a=b"
        );
        assert_eq!(redact("no url here"), "no url here");
        assert_eq!(redact("http://host/x@y"), "http://host/x@y");
    }
}
