//! Which write method a statement reaches, and where each of its parameters comes from.
//!
//! The rules (docs/writes.md, "Which method a DELETE reaches"), the same for every front end:
//!
//! - The WHERE's equalities and IN lists on parameter columns **give** parameters (`given`).
//! - A method **fits by WHERE** when the WHERE gives all its required parameters (path and
//!   required query parameters; body fields are checked when the call is bound).
//! - A method **fits by rows** when every required parameter the WHERE does not give is one a
//!   scanned row supplies through a declared mapping ([`Resource::row_params`]: `package_version_id`
//!   ← `id`, `username` ← `login`), and at least one is: it addresses the rows themselves. A field
//!   that merely shares a parameter's name is never read (a git ref's `ref` says `refs/heads/x`).
//! - **Rows chosen one by one** (a scan under the DELETE, in SQLite or PostgreSQL) go to a method
//!   that fits by rows, else to one that fits by WHERE. **A WHERE of parameters alone** (the shell,
//!   as StackQL) goes to a method that fits by WHERE, sent directly with no listing; when none
//!   does, the rows are listed as above.
//! - Of the candidates, the one that uses the most of the WHERE's parameters wins. Two or more
//!   that use as many are **ambiguous**: the statement is refused, nothing is sent, and the error
//!   names each method and its EXEC form. A method is never chosen by counting a row's values.

use crate::spec::{Method, ParamLocation, Resource};

/// The SQL verb a write method serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verb {
    /// `DELETE`.
    Delete,
    /// `UPDATE`.
    Update,
    /// `REPLACE` (`INSERT OR REPLACE`).
    Replace,
    /// `INSERT`.
    Insert,
}

impl Verb {
    /// The keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            Verb::Delete => "DELETE",
            Verb::Update => "UPDATE",
            Verb::Replace => "REPLACE",
            Verb::Insert => "INSERT",
        }
    }

    /// The resource's methods for this verb (a resource without SELECT keeps its delete methods
    /// in `direct_delete`).
    pub fn candidates(self, resource: &Resource) -> Vec<usize> {
        match self {
            Verb::Delete => resource
                .delete
                .iter()
                .chain(resource.direct_delete.iter())
                .copied()
                .collect(),
            Verb::Update => resource.update.clone(),
            Verb::Replace => resource.replace.clone(),
            Verb::Insert => resource.insert.clone(),
        }
    }
}

/// How the rows of a statement are chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rows {
    /// A scan lists them and the statement's WHERE picks them one by one.
    Scanned,
    /// The WHERE names parameters only; nothing is listed (the shell's direct DELETE).
    Direct,
}

/// Where a chosen method's parameter comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// The value the WHERE gave (each value of an IN list, one call each).
    Where,
    /// The scanned row's response field (a declared mapping).
    Row(String),
}

/// The method a write statement reaches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    /// Index into the resource's methods.
    pub method: usize,
    /// Each required parameter (path, then query; body fields excluded) and its source.
    pub sources: Vec<(String, Source)>,
}

impl Choice {
    /// Whether some parameter comes from the rows (a listing is needed).
    pub fn needs_rows(&self) -> bool {
        self.sources
            .iter()
            .any(|(_, s)| matches!(s, Source::Row(_)))
    }
}

/// Why a write statement cannot be planned. Nothing has been sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChooseError {
    /// The table has no method for the verb.
    #[error("{table} supports {supported}; {verb} is not supported")]
    Unsupported {
        /// Table name.
        table: String,
        /// The verb.
        verb: &'static str,
        /// What the table supports.
        supported: String,
    },
    /// Several methods fit equally.
    #[error("{verb} on {table} with {given} could mean any of {} methods: {}; nothing was sent. Say which one: {}", .methods.len(), .methods.join("; "), .exec_forms.join(" or "))]
    Ambiguous {
        /// Table name.
        table: String,
        /// The verb.
        verb: &'static str,
        /// The parameters the WHERE gave.
        given: String,
        /// `name (HTTP path)` of each method that fits.
        methods: Vec<String>,
        /// An EXEC statement for each.
        exec_forms: Vec<String>,
    },
    /// No method can be called with what the statement gives.
    #[error("no {verb} method of {table} can be called with {given}; nothing was sent. Each needs: {}", .needs.join("; "))]
    NoMethod {
        /// Table name.
        table: String,
        /// The verb.
        verb: &'static str,
        /// The parameters the WHERE gave (and the rows can supply).
        given: String,
        /// `name (its required parameters)` of each method.
        needs: Vec<String>,
    },
}

/// Required parameters of a method outside its body, in document order.
pub fn key_params(method: &Method) -> impl Iterator<Item = &crate::spec::Param> {
    method
        .required()
        .filter(|p| p.location != ParamLocation::Body)
}

fn describe_given(given: &[&str]) -> String {
    if given.is_empty() {
        "no parameters in WHERE".into()
    } else {
        format!("WHERE giving {}", given.join(", "))
    }
}

/// Chooses the method of `verb` that a statement reaches: `given` are the parameters the WHERE
/// gives by `=` or `IN`; `rows` says how its rows are chosen (see the module's rules).
pub fn choose(
    resource: &Resource,
    verb: Verb,
    given: &[&str],
    rows: Rows,
) -> Result<Choice, ChooseError> {
    let candidates = verb.candidates(resource);
    if candidates.is_empty() {
        return Err(ChooseError::Unsupported {
            table: resource.name.clone(),
            verb: verb.keyword(),
            supported: resource.supported_statements(),
        });
    }
    let by_where =
        |m: usize| key_params(&resource.methods[m]).all(|p| given.contains(&p.name.as_str()));
    // A scan can list rows only when the resource has SELECT methods.
    let can_scan = !resource.select.is_empty();
    let by_rows = |m: usize| {
        let mut from_row = 0;
        for p in key_params(&resource.methods[m]) {
            if given.contains(&p.name.as_str()) {
                continue;
            }
            if resource.row_param(&p.name).is_none() {
                return false;
            }
            from_row += 1;
        }
        can_scan && from_row > 0
    };
    let where_fits: Vec<usize> = candidates
        .iter()
        .copied()
        .filter(|&m| by_where(m))
        .collect();
    let row_fits: Vec<usize> = candidates.iter().copied().filter(|&m| by_rows(m)).collect();
    let pool = match rows {
        Rows::Scanned if !row_fits.is_empty() => row_fits,
        Rows::Scanned => where_fits,
        Rows::Direct if !where_fits.is_empty() => where_fits,
        // Nothing fits the WHERE alone: the rows must be listed (the caller scans).
        Rows::Direct => row_fits,
    };
    let uses = |m: usize| {
        resource.methods[m]
            .params
            .iter()
            .filter(|p| given.contains(&p.name.as_str()))
            .count()
    };
    let Some(best) = pool.iter().map(|&m| uses(m)).max() else {
        let needs = candidates
            .iter()
            .map(|&m| {
                let method = &resource.methods[m];
                let req: Vec<String> = key_params(method)
                    .map(|p| match resource.row_param(&p.name) {
                        Some(f) if can_scan => format!("{} (or a row's {f})", p.name),
                        _ => p.name.clone(),
                    })
                    .collect();
                format!("{} ({})", method.name, req.join(", "))
            })
            .collect();
        return Err(ChooseError::NoMethod {
            table: resource.name.clone(),
            verb: verb.keyword(),
            given: describe_given(given),
            needs,
        });
    };
    let top: Vec<usize> = pool.iter().copied().filter(|&m| uses(m) == best).collect();
    if let [m] = top[..] {
        let method = &resource.methods[m];
        let sources = key_params(method)
            .map(|p| {
                let source = if given.contains(&p.name.as_str()) {
                    Source::Where
                } else {
                    Source::Row(resource.row_param(&p.name).unwrap_or_default().to_string())
                };
                (p.name.clone(), source)
            })
            .collect();
        return Ok(Choice { method: m, sources });
    }
    Err(ChooseError::Ambiguous {
        table: resource.name.clone(),
        verb: verb.keyword(),
        given: describe_given(given),
        methods: top
            .iter()
            .map(|&m| {
                let method = &resource.methods[m];
                format!("{} ({} {})", method.name, method.http_method, method.path)
            })
            .collect(),
        exec_forms: top
            .iter()
            .map(|&m| crate::examples::example_exec(resource, &resource.methods[m]))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Column, ColumnSource, Param, Returns, SqlType};

    fn param(name: &str, location: ParamLocation) -> Param {
        Param {
            name: name.into(),
            location,
            required: true,
            sql_type: SqlType::Text,
            json_type: crate::spec::JsonType::String,
            allowed: None,
            default: None,
            description: String::new(),
            multi_segment: false,
            nullable: false,
        }
    }

    fn method(name: &str, verb: &str, path: &str, params: &[&str]) -> Method {
        Method {
            name: name.into(),
            http_method: verb.into(),
            path: path.into(),
            summary: String::new(),
            params: params
                .iter()
                .map(|p| param(p, ParamLocation::Path))
                .collect(),
            returns: if verb == "GET" {
                Returns::Array
            } else {
                Returns::Nothing
            },
            object_key: None,
            fields: Vec::new(),
            scopes: Vec::new(),
            function: name.into(),
            page_size: None,
            headers: Vec::new(),
            not_found_is_error: false,
            confirm: None,
            body: None,
        }
    }

    /// A resource with a list (by `scope`), delete methods as given, and declared mappings.
    fn resource(deletes: &[(&str, &[&str])], row_params: &[(&str, &str)]) -> Resource {
        let mut methods = vec![method("list", "GET", "/things/{scope}", &["scope"])];
        for (name, params) in deletes {
            methods.push(method(name, "DELETE", "/things/{scope}/x", params));
        }
        let delete = (1..methods.len()).collect();
        Resource {
            id: "github.s.things".into(),
            name: "things".into(),
            resource_name: "things".into(),
            qualified: "s_things".into(),
            service: "s".into(),
            title: String::new(),
            description: String::new(),
            columns: vec![Column {
                name: "id".into(),
                sql_type: SqlType::Integer,
                description: String::new(),
                timestamp: false,
                hidden: false,
                source: ColumnSource::Field("id".into()),
            }],
            methods,
            select: vec![0],
            delete,
            direct_delete: Vec::new(),
            exec: Vec::new(),
            insert: Vec::new(),
            update: Vec::new(),
            replace: Vec::new(),
            pagination: Default::default(),
            extra_scopes: Vec::new(),
            notes: Vec::new(),
            examples: Vec::new(),
            server: None,
            row_params: row_params
                .iter()
                .map(|(p, f)| (p.to_string(), f.to_string()))
                .collect(),
            soft_delete: None,
        }
    }

    fn name(r: &Resource, c: &Choice) -> String {
        r.methods[c.method].name.clone()
    }

    #[test]
    fn the_where_chooses_the_method_never_a_same_named_row_field() {
        // A runner: its delete (org, runner_id) and a label's (org, runner_id, name). The row's
        // `name` is the runner's, not a label's: no mapping, so the label method never fits.
        let r = resource(
            &[
                ("delete_runner", &["scope", "runner_id"]),
                ("remove_label", &["scope", "runner_id", "name"]),
            ],
            &[("runner_id", "id")],
        );
        for rows in [Rows::Scanned, Rows::Direct] {
            let c = choose(&r, Verb::Delete, &["scope", "runner_id"], rows).expect("fits");
            assert_eq!(name(&r, &c), "delete_runner", "{rows:?}");
            assert!(!c.needs_rows());
        }
        // The WHERE names the label: the method that uses every parameter it gives.
        let c = choose(
            &r,
            Verb::Delete,
            &["scope", "runner_id", "name"],
            Rows::Direct,
        )
        .expect("fits");
        assert_eq!(name(&r, &c), "remove_label");
        // Only the scope: each listed runner supplies its id.
        let c = choose(&r, Verb::Delete, &["scope"], Rows::Scanned).expect("fits");
        assert_eq!(name(&r, &c), "delete_runner");
        assert_eq!(
            c.sources,
            vec![
                ("scope".to_string(), Source::Where),
                ("runner_id".to_string(), Source::Row("id".into()))
            ]
        );
        // With nothing to list by, a direct DELETE falls back to the rows too.
        let c = choose(&r, Verb::Delete, &["scope"], Rows::Direct).expect("fits");
        assert!(c.needs_rows());
    }

    #[test]
    fn methods_that_fit_equally_are_refused_with_their_exec_forms() {
        let r = resource(
            &[
                ("remove_member", &["scope", "username"]),
                ("remove_membership", &["scope", "username"]),
            ],
            &[("username", "login")],
        );
        for rows in [Rows::Scanned, Rows::Direct] {
            let e = choose(&r, Verb::Delete, &["scope", "username"], rows).unwrap_err();
            let ChooseError::Ambiguous {
                methods,
                exec_forms,
                ..
            } = &e
            else {
                panic!("{e}")
            };
            assert_eq!(methods.len(), 2);
            assert!(exec_forms[0].starts_with("EXEC github.s.things.remove_member"));
            assert!(e.to_string().contains("nothing was sent"), "{e}");
        }
        // Rows of a listing are ambiguous just the same.
        assert!(matches!(
            choose(&r, Verb::Delete, &["scope"], Rows::Scanned),
            Err(ChooseError::Ambiguous { .. })
        ));
    }

    #[test]
    fn rows_picked_one_by_one_go_to_the_per_row_method() {
        // Labels of an issue: remove one (…, name) or remove all (…). A scan's rows are picked
        // by the statement's other predicates, so each goes to the per-row method; a WHERE of
        // parameters alone is the whole collection.
        let r = resource(
            &[
                ("remove_all_labels", &["scope"]),
                ("remove_label", &["scope", "name"]),
            ],
            &[("name", "name")],
        );
        let c = choose(&r, Verb::Delete, &["scope"], Rows::Scanned).expect("fits");
        assert_eq!(name(&r, &c), "remove_label");
        let c = choose(&r, Verb::Delete, &["scope"], Rows::Direct).expect("fits");
        assert_eq!(name(&r, &c), "remove_all_labels");
    }

    #[test]
    fn a_missing_parameter_names_what_each_method_needs() {
        let r = resource(&[("delete_thing", &["scope", "thing_id"])], &[]);
        let e = choose(&r, Verb::Delete, &["scope"], Rows::Scanned).unwrap_err();
        assert!(
            e.to_string().contains("delete_thing (scope, thing_id)"),
            "{e}"
        );
        let r = resource(&[], &[]);
        assert!(matches!(
            choose(&r, Verb::Delete, &["scope"], Rows::Scanned),
            Err(ChooseError::Unsupported { .. })
        ));
    }
}
