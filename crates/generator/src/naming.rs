//! Names: services from tags, resources from `x-github.subcategory`, methods from `operationId`.

use std::collections::BTreeSet;

/// A SQL-friendly identifier: lower case, every run of other characters one `_`, no `_` at
/// either end; a leading digit gets a `_` in front. Empty input gives `misc`.
pub fn ident(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_matches('_').to_string();
    match out.chars().next() {
        None => "misc".into(),
        Some(c) if c.is_ascii_digit() => format!("_{out}"),
        Some(_) => out,
    }
}

/// The method name: the `operationId` after its `<tag>/` prefix (`actions/list-workflow-runs` →
/// `list_workflow_runs`). GitHub's operationIds are unique, so method names are too; an operation
/// without one is named from its HTTP method and path.
pub fn method_name(operation_id: Option<&str>, http: &str, path: &str) -> String {
    match operation_id {
        Some(id) if !id.is_empty() => ident(id.rsplit_once('/').map(|(_, n)| n).unwrap_or(id)),
        _ => ident(&format!("{http}_{path}")),
    }
}

/// The base resource of an operation: `x-github.subcategory`, else `x-github.category`, else the
/// service (tag) itself.
pub fn base_resource(subcategory: Option<&str>, category: Option<&str>, service: &str) -> String {
    match subcategory.or(category).filter(|s| !s.is_empty()) {
        Some(s) => ident(s),
        None => service.to_string(),
    }
}

/// A resource named after a row schema (`#/components/schemas/actions-public-key` in service
/// `actions` → `public_key`): the component name without a leading `<service>-`.
pub fn schema_resource(schema: &str, service: &str) -> String {
    let n = ident(schema);
    match n.strip_prefix(&format!("{service}_")) {
        Some(rest) if !rest.is_empty() => ident(rest),
        _ => n,
    }
}

/// Names for a resource made of one method of `resource` (when two of its SELECT methods, or two
/// of its DELETE, UPDATE or REPLACE methods, need the same parameters): the method name without
/// a leading verb (`list_`, `get_`, `delete_`, `remove_`, `update_`, `set_`)
/// (`list_public_events_for_user` → `public_events_for_user`), prefixed with the resource when
/// what is left starts with `for_` or is a single word; then `<resource>_<that>`.
pub fn method_resource(method: &str, resource: &str) -> Vec<String> {
    let rest = ["list_", "get_", "delete_", "remove_", "update_", "set_"]
        .iter()
        .find_map(|p| method.strip_prefix(p))
        .filter(|r| !r.is_empty())
        .unwrap_or(method);
    let qualified = format!("{resource}_{rest}");
    if rest.starts_with("for_") || !rest.contains('_') {
        vec![qualified]
    } else {
        vec![rest.to_string(), qualified]
    }
}

/// The first of `candidates` not yet in `taken`, else the last candidate with `_2`, `_3`, …
/// appended; the name returned is added to `taken`.
pub fn unique(taken: &mut BTreeSet<String>, candidates: &[String]) -> String {
    let chosen = candidates
        .iter()
        .find(|c| !taken.contains(*c))
        .cloned()
        .unwrap_or_else(|| {
            let last = candidates.last().cloned().unwrap_or_else(|| "misc".into());
            (2..)
                .map(|k| format!("{last}_{k}"))
                .find(|c| !taken.contains(c))
                .unwrap_or(last)
        });
    taken.insert(chosen.clone());
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        assert_eq!(ident("workflow-runs"), "workflow_runs");
        assert_eq!(ident("Code Scanning "), "code_scanning");
        assert_eq!(ident("2fa"), "_2fa");
        assert_eq!(ident("--"), "misc");
        assert_eq!(
            method_name(Some("actions/list-workflow-runs"), "get", "/x"),
            "list_workflow_runs"
        );
        assert_eq!(
            method_name(None, "get", "/repos/{owner}"),
            "get_repos_owner"
        );
        assert_eq!(
            schema_resource("actions-public-key", "actions"),
            "public_key"
        );
        assert_eq!(
            schema_resource("workflow-run-usage", "actions"),
            "workflow_run_usage"
        );
        assert_eq!(
            method_resource("list_public_events_for_user", "events"),
            ["public_events_for_user", "events_public_events_for_user"]
        );
        assert_eq!(method_resource("list_starred", "gists"), ["gists_starred"]);
        assert_eq!(
            method_resource("list_for_commit_comment", "reactions"),
            ["reactions_for_commit_comment"]
        );
    }

    #[test]
    fn unique_names() {
        let mut taken = BTreeSet::new();
        let a = unique(&mut taken, &["x".into()]);
        let b = unique(&mut taken, &["x".into()]);
        let c = unique(&mut taken, &["x".into(), "y_x".into()]);
        assert_eq!((a.as_str(), b.as_str(), c.as_str()), ("x", "x_2", "y_x"));
    }
}
