//! The journal entries of one write: its intent before it is sent, its outcome after, with
//! secret-looking values redacted.

use serde_json::Value as Json;

use crate::http::GitHubClient;
use crate::journal;
use crate::plan::Bound;
use crate::spec::{Method, Resource};
use crate::value::Value;

/// The parameters a journal entry records: path and query values, then the body fields as
/// `data__<field>`, with the values of secret-looking fields (names containing `password`,
/// `secret`, `token`, `private_key` or `encrypted_value`, at any depth) replaced by
/// `[redacted]`, and registered secrets (the token) redacted in the rest.
pub fn journal_params(bound: &Bound) -> Json {
    let mut params: serde_json::Map<String, Json> = bound
        .path
        .iter()
        .chain(bound.query.iter())
        .map(|(k, v)| {
            let v = match bound.echo.get(k) {
                Some(Value::Integer(i)) => Json::from(*i),
                _ => Json::from(v.clone()),
            };
            (k.clone(), v)
        })
        .collect();
    for (field, v) in &bound.body {
        params.insert(
            format!("{}{field}", crate::spec::BODY_PREFIX),
            redact_secrets(field, v),
        );
    }
    Json::Object(params)
}

fn secret_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "password",
        "secret",
        "token",
        "private_key",
        "encrypted_value",
    ]
    .iter()
    .any(|s| n.contains(s))
}

fn redact_secrets(name: &str, v: &Json) -> Json {
    if secret_name(name) && !v.is_null() {
        return Json::from("[redacted]");
    }
    match v {
        Json::Object(m) => Json::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), redact_secrets(k, x)))
                .collect(),
        ),
        Json::Array(a) => Json::Array(a.iter().map(|x| redact_secrets("", x)).collect()),
        Json::String(s) => Json::String(crate::http::redact(s)),
        other => other.clone(),
    }
}

/// One mutating request's journal entries (nothing is written when the journal is off).
pub(crate) struct JournalWrite<'a> {
    journal: Option<&'a std::path::Path>,
    entry: journal::Entry,
}

impl<'a> JournalWrite<'a> {
    pub(crate) fn new(
        client: &'a GitHubClient,
        resource: &Resource,
        method: &Method,
        url: &url::Url,
        params: Json,
        run_id: Option<&str>,
    ) -> Self {
        JournalWrite {
            journal: client.config().journal.as_deref(),
            entry: journal::Entry {
                time: String::new(),
                run_id: run_id.map_or_else(journal::new_run_id, String::from),
                phase: "intent".into(),
                method: method.http_method.to_uppercase(),
                path: url.path().to_string(),
                resource: resource.name.clone(),
                params,
                status: None,
                request_id: None,
                outcome: None,
                detail: None,
            },
        }
    }

    /// Written (and fsync'd) before the request is sent; a failure sends nothing.
    pub(crate) fn intent(&mut self) -> Result<(), journal::JournalError> {
        let Some(path) = self.journal else {
            return Ok(());
        };
        self.entry.time = journal::now_rfc3339();
        journal::append(path, &self.entry)
    }

    pub(crate) fn outcome(
        &mut self,
        status: Option<u16>,
        request_id: Option<String>,
        outcome: &str,
        detail: Option<String>,
    ) -> Result<(), journal::JournalError> {
        let Some(path) = self.journal else {
            return Ok(());
        };
        let e = journal::Entry {
            time: journal::now_rfc3339(),
            phase: "outcome".into(),
            status,
            request_id,
            outcome: Some(outcome.into()),
            detail: detail.map(|d| crate::http::redact(&d)),
            ..self.entry.clone()
        };
        journal::append(path, &e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn journal_params_keep_values_and_redact_secret_fields_at_any_depth() {
        let mut bound = Bound::default();
        bound.path.push(("owner".into(), "o".into()));
        bound.query.push(("per_page".into(), "100".into()));
        bound.echo.insert("per_page".into(), Value::Integer(100));
        bound.body.push(("name".into(), Json::from("x")));
        bound.body.push(("password".into(), Json::from("hunter2")));
        bound.body.push((
            "config".into(),
            serde_json::json!({"url": "https://x", "secret": "s", "nested": [{"api_token": "t"}]}),
        ));
        let j = journal_params(&bound);
        assert_eq!(j["owner"], "o");
        assert_eq!(j["per_page"], 100, "an integer given is journaled as one");
        assert_eq!(j["data__name"], "x");
        assert_eq!(j["data__password"], "[redacted]");
        assert_eq!(j["data__config"]["secret"], "[redacted]");
        assert_eq!(j["data__config"]["nested"][0]["api_token"], "[redacted]");
        assert_eq!(j["data__config"]["url"], "https://x");
        let _: BTreeMap<String, Json> = serde_json::from_value(j).expect("an object");
    }

    #[test]
    fn a_null_secret_stays_null() {
        assert_eq!(redact_secrets("token", &Json::Null), Json::Null);
        assert!(secret_name("GITHUB_PRIVATE_KEY") && !secret_name("name"));
    }
}
