//! One INSERT, UPDATE or REPLACE row, planned the same way in every front end: which of its
//! column values are parameters (and `data__` body fields), which method they reach
//! ([`crate::write::choose`]), and whether the call can be bound. Nothing is sent here; a row that
//! could not be sent is refused now, naming the column or parameter and the fix.

use crate::plan::PlanError;
use crate::spec::{Resource, BODY_PREFIX};
use crate::value::Value;
use crate::write::{choose, Rows, Verb};

/// Why a row cannot be written. Nothing was queued or sent.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum RowError {
    /// The table has no method for the verb.
    #[error(transparent)]
    Unsupported(PlanError),
    /// The statement sets a column GitHub answers with.
    #[error("{verb} on {table}: {column} is a column GitHub answers with, not one it takes; {hint}; nothing was sent")]
    ResponseColumn {
        /// The verb.
        verb: &'static str,
        /// Table name.
        table: String,
        /// The column.
        column: String,
        /// What to use instead.
        hint: String,
    },
    /// No method (or several) fits the row's values.
    #[error(transparent)]
    Choose(#[from] crate::write::ChooseError),
    /// A value names a parameter the chosen method does not take.
    #[error(transparent)]
    Bind(PlanError),
    /// A required parameter or body field is missing.
    #[error("{verb} on {table} ({method}) needs {}: e.g. {example}; nothing was sent", .missing.join(", "))]
    Missing {
        /// The verb.
        verb: &'static str,
        /// Table name.
        table: String,
        /// Method name.
        method: String,
        /// What is missing.
        missing: Vec<String>,
        /// A complete statement.
        example: String,
    },
}

/// Plans one row of `verb` on `resource`: `values` are the statement's column values by column
/// index, `None` for a column the statement leaves alone (an UPDATE's untouched columns, an
/// INSERT's unnamed ones); `base` the row's own parameters, as its scan read them (an UPDATE's
/// WHERE values and mapped fields). Values the statement gives replace the base's.
pub fn write_row(
    resource: &Resource,
    verb: Verb,
    values: &[Option<Value>],
    base: Vec<(String, Value)>,
) -> Result<QueuedWrite, RowError> {
    let keyword = verb.keyword();
    if verb.candidates(resource).is_empty() {
        return Err(RowError::Unsupported(PlanError::Unsupported {
            table: resource.name.clone(),
            verb: keyword.into(),
            supported: resource.supported_statements(),
        }));
    }
    let mut args: Vec<(String, Value)> = base;
    for (col, v) in resource.columns.iter().zip(values) {
        let Some(v) = v.as_ref().filter(|v| **v != Value::Null) else {
            continue;
        };
        match col.param() {
            Some(p) => match args.iter_mut().find(|(q, _)| q == p) {
                Some(a) => a.1 = v.clone(),
                None => args.push((p.to_string(), v.clone())),
            },
            None => {
                let body = format!("{BODY_PREFIX}{}", col.name);
                let hint = if resource.column_index(&body).is_some() {
                    format!("to send it, use the body field {body}")
                } else {
                    "the data__ columns (DESCRIBE EXTENDED lists them) are what it sends".into()
                };
                return Err(RowError::ResponseColumn {
                    verb: keyword,
                    table: resource.name.clone(),
                    column: col.name.clone(),
                    hint,
                });
            }
        }
    }
    // The values the row carries choose the method, by the same rules as DELETE: every value
    // is at hand (the WHERE's and the row's mapped fields, or what INSERT names).
    let given: Vec<&str> = args
        .iter()
        .filter(|(_, v)| *v != Value::Null)
        .map(|(n, _)| n.as_str())
        .collect();
    let m = choose(resource, verb, &given, Rows::Direct)?.method;
    let method = &resource.methods[m];
    // Parameters the chosen method does not take: an UPDATE's row carries the WHERE's
    // (dropped); a body field, or a value an INSERT names, would be silently lost (refused).
    let mut kept = Vec::new();
    for (name, v) in args {
        if method.param(&name).is_some() {
            kept.push((name, v));
        } else if verb != Verb::Update || name.starts_with(BODY_PREFIX) {
            return Err(RowError::Bind(PlanError::UnknownArg {
                method: method.name.clone(),
                param: name,
                known: method.params.iter().map(|p| p.name.clone()).collect(),
            }));
        }
    }
    match crate::plan::bind_named(resource, method, &kept) {
        Ok(_) => {}
        Err(PlanError::MissingArgs { missing, .. }) => {
            return Err(RowError::Missing {
                verb: keyword,
                table: resource.name.clone(),
                method: method.name.clone(),
                missing,
                example: crate::examples::example_statement(resource, method, keyword),
            })
        }
        Err(e) => return Err(RowError::Bind(e)),
    }
    Ok(QueuedWrite {
        verb: keyword,
        method: m,
        args: kept,
    })
}

/// One row of an INSERT, UPDATE or REPLACE, queued until its transaction commits.
#[derive(Clone, Debug, PartialEq)]
pub struct QueuedWrite {
    /// `INSERT`, `UPDATE` or `REPLACE`.
    pub verb: &'static str,
    /// Index into the resource's methods.
    pub method: usize,
    /// Arguments by parameter name (path and query parameters, `data__` body fields).
    pub args: Vec<(String, Value)>,
}
