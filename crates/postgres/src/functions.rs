//! The generic EXEC function every generated method function calls:
//! `github_sql_exec(server, resource, method, args jsonb) → jsonb`.

use github_sql_engine::{exec, Value};
use pgrx::prelude::*;
use pgrx::JsonB;

use crate::error::{raise, FdwError};
use crate::servers;

/// Calls an EXEC method of a resource through a server with the current role's token. The
/// arguments are checked (names, required ones, types) before anything is sent; GitHub's answer
/// is returned as JSON (`"ok"` when it has no body).
#[pg_extern(volatile, parallel_unsafe)]
fn github_sql_exec(server: &str, resource: &str, method: &str, args: JsonB) -> JsonB {
    call(server, resource, method, args).unwrap_or_else(|e| raise(e))
}

fn call(server: &str, resource: &str, method: &str, args: JsonB) -> Result<JsonB, FdwError> {
    let (oid, options) = servers::server_by_name(server)?;
    let client = servers::client(server, oid, &options)?;
    let provider = servers::provider()?;
    let r = provider.resource_by_id(resource).ok_or_else(|| {
        FdwError::Setup(format!("no resource {resource} in the provider document"))
    })?;
    let m = r
        .methods
        .iter()
        .find(|m| m.name == method)
        .ok_or_else(|| FdwError::Setup(format!("{resource} has no method {method}")))?;
    let values: Vec<(String, Value)> = args
        .0
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| {
            let v = match v {
                serde_json::Value::Null => Value::Null,
                serde_json::Value::Bool(b) => Value::Integer(i64::from(*b)),
                serde_json::Value::Number(n) => match n.as_i64() {
                    Some(i) => Value::Integer(i),
                    None => Value::Real(n.as_f64().unwrap_or(f64::NAN)),
                },
                serde_json::Value::String(s) => Value::Text(s.clone()),
                other => Value::Text(other.to_string()),
            };
            (k.clone(), v)
        })
        .collect();
    let body = exec::call_named(&client, r, m, &values)?;
    Ok(JsonB(body.unwrap_or_else(|| serde_json::Value::from("ok"))))
}
