//! Building one resource (one SQL table) from its entry in `x-stackQL-resources`: its methods,
//! the SQL verbs they serve, its columns, and the github-sql extensions (`x-github-sql`) that
//! refine them.
//!
//! [`load_resource`] runs the steps in order. The order matters twice over: the columns are built
//! up step by step (a parameter may take a response field's name, moving the field to
//! `<name>_object`), and the first broken part of a document is the one reported.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use super::{load_method, property_type, sql_type, str_of, Config, Doc, SpecError};
use crate::model::*;

/// Reads one resource of a service document. `Ok(None)` when none of its methods can be served;
/// every method (and resource) left out is recorded in `unserved`, with why.
pub(super) fn load_resource(
    doc: &Doc<'_>,
    provider: &str,
    service: &str,
    key: &str,
    r: &Value,
    config: &Config,
    unserved: &mut Vec<Unserved>,
) -> Result<Option<Resource>, SpecError> {
    let at = format!("/components/x-stackQL-resources/{key}");
    let (name, id) = resource_name_and_id(provider, service, key, r);
    let ms = r["methods"]
        .as_object()
        .ok_or_else(|| doc.err(format!("{at}/methods"), "expected a map of methods"))?;
    let lists = verb_lists(doc, &at, r, ms)?;
    let mut unserved = Unserving {
        service,
        resource: &name,
        list: unserved,
    };
    let loaded = resource_methods(doc, &at, ms, &lists, config, &mut unserved)?;
    let call_as = format!("{provider}.{service}.{name}");
    let verbs = verb_methods(&loaded.list, &lists, &call_as, &mut unserved);
    if loaded.list.is_empty() {
        unserved.whole_resource();
        return Ok(None);
    }
    let ext = &r["x-github-sql"];
    let row_params = row_params(ext);
    let columns = resource_columns(doc, &at, ext, &loaded, &verbs, &row_params)?;
    let notes = resource_notes(doc, &at, ext)?;
    let examples = resource_examples(doc, &at, ext)?;
    let soft_delete = soft_delete(doc, &at, ext, &loaded.list)?;
    let pagination = resource_pagination(config, &loaded.list, &verbs.select);
    Ok(Some(Resource {
        id,
        qualified: format!("{service}_{name}"),
        resource_name: name.clone(),
        name,
        service: service.to_string(),
        title: str_of(r, "title"),
        description: str_of(r, "description"),
        columns,
        methods: loaded.list,
        select: verbs.select,
        delete: verbs.delete,
        direct_delete: verbs.direct_delete,
        exec: verbs.exec,
        insert: verbs.insert,
        update: verbs.update,
        replace: verbs.replace,
        pagination,
        extra_scopes: config.extra_scopes.clone(),
        notes,
        examples,
        server: None,
        row_params,
        soft_delete,
    }))
}

/// The resource's name (`name`, else its key in the document) and its StackQL id (`id`, else
/// `provider.service.name`).
fn resource_name_and_id(provider: &str, service: &str, key: &str, r: &Value) -> (String, String) {
    let name = r
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or(key)
        .to_string();
    let id = r
        .get("id")
        .and_then(Value::as_str)
        .map(String::from)
        .unwrap_or_else(|| format!("{provider}.{service}.{name}"));
    (name, id)
}

/// Records what a resource cannot serve, and why: the catalogue of the REST API's methods that
/// github-sql leaves out ([`Provider::unserved`]).
struct Unserving<'a> {
    service: &'a str,
    resource: &'a str,
    list: &'a mut Vec<Unserved>,
}

impl Unserving<'_> {
    /// A method that `verb` cannot call.
    fn method(&mut self, method: &str, verb: &str, reason: String) {
        self.list.push(Unserved {
            service: self.service.to_string(),
            resource: self.resource.to_string(),
            method: Some(method.to_string()),
            verb: verb.to_string(),
            reason,
        })
    }

    /// The whole resource: it is left out since none of its methods can be served.
    fn whole_resource(&mut self) {
        self.list.push(Unserved {
            service: self.service.to_string(),
            resource: self.resource.to_string(),
            method: None,
            verb: String::new(),
            reason: "none of its methods can be served (see its methods' reasons)".into(),
        });
    }
}

/// The resource's `sqlVerbs` lists: the methods each SQL verb names, by method name.
struct VerbLists {
    /// The verb each listed method serves (the first list naming it).
    verb_of: HashMap<String, &'static str>,
    /// The method names each verb lists, in the document's order.
    order: HashMap<&'static str, Vec<String>>,
}

impl VerbLists {
    /// The verb `method` is listed under; a method in no list is EXEC-only.
    fn verb(&self, method: &str) -> &'static str {
        self.verb_of.get(method).copied().unwrap_or("exec")
    }

    /// Indices into `methods` of the methods `verb` lists, in list order (a listed method that
    /// could not be loaded is left out).
    fn indices(&self, verb: &str, methods: &[Method]) -> Vec<usize> {
        self.order
            .get(verb)
            .into_iter()
            .flatten()
            .filter_map(|n| methods.iter().position(|m| &m.name == n))
            .collect()
    }
}

/// Reads `sqlVerbs` (select, delete, insert, update, replace), checking that every entry is a
/// `$ref` to a method of this resource.
fn verb_lists(
    doc: &Doc<'_>,
    at: &str,
    r: &Value,
    ms: &Map<String, Value>,
) -> Result<VerbLists, SpecError> {
    let mut verb_of: HashMap<String, &'static str> = HashMap::new();
    let mut order: HashMap<&'static str, Vec<String>> = HashMap::new();
    for v in ["select", "delete", "insert", "update", "replace"] {
        for (i, e) in r["sqlVerbs"][v]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let n = method_ref_name(e).ok_or_else(|| {
                doc.err(format!("{at}/sqlVerbs/{v}/{i}"), "expected `$ref: '#/components/x-stackQL-resources/<resource>/methods/<method>'`")
            })?;
            if !ms.contains_key(&n) {
                return Err(doc.err(
                    format!("{at}/sqlVerbs/{v}/{i}"),
                    format!("no method named {n}"),
                ));
            }
            verb_of.entry(n.clone()).or_insert(v);
            order.entry(v).or_default().push(n);
        }
    }
    Ok(VerbLists { verb_of, order })
}

/// The last segment of a `$ref` (`…/methods/list_versions` → `list_versions`).
fn method_ref_name(v: &Value) -> Option<String> {
    v.get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.rsplit('/').next())
        .map(String::from)
}

/// A resource's methods that github-sql can serve, with the response schemas the column steps
/// read.
struct LoadedMethods {
    /// The methods, in the document's order.
    list: Vec<Method>,
    /// The schema of one row of each method's response, by method name.
    item_schemas: HashMap<String, Value>,
    /// The schema of the object around a list's rows (a response with an `objectKey`), by
    /// method name.
    envelopes: HashMap<String, Value>,
}

/// Loads every method of the resource. A method that cannot be served is recorded under the
/// verb it is listed for, not loaded; a SELECT method learns the fields of its rows.
fn resource_methods(
    doc: &Doc<'_>,
    at: &str,
    ms: &Map<String, Value>,
    lists: &VerbLists,
    config: &Config,
    unserved: &mut Unserving<'_>,
) -> Result<LoadedMethods, SpecError> {
    let mut loaded = LoadedMethods {
        list: Vec::new(),
        item_schemas: HashMap::new(),
        envelopes: HashMap::new(),
    };
    for (mname, m) in ms {
        let verb = lists.verb(mname);
        match load_method(doc, &format!("{at}/methods/{mname}"), mname, m, config)? {
            Ok((mut method, item, envelope)) => {
                if let Some(e) = envelope {
                    loaded.envelopes.insert(mname.clone(), e);
                }
                if let Some(item) = item {
                    if verb == "select" {
                        let mut props = Vec::new();
                        row_properties(doc, doc.resolve(&item, at)?, at, 0, &mut props)?;
                        method.fields = props.into_iter().map(|(f, _)| f.clone()).collect();
                    }
                    loaded.item_schemas.insert(mname.clone(), item);
                }
                loaded.list.push(method);
            }
            Err(reason) => unserved.method(mname, verb, reason),
        }
    }
    Ok(loaded)
}

/// Indices into a resource's methods for each SQL verb (the fields of [`Resource`] of the same
/// names).
struct Verbs {
    select: Vec<usize>,
    delete: Vec<usize>,
    direct_delete: Vec<usize>,
    exec: Vec<usize>,
    insert: Vec<usize>,
    update: Vec<usize>,
    replace: Vec<usize>,
}

/// Which loaded methods serve which SQL verb. `call_as` is the resource as EXEC names it
/// (`provider.service.resource`), for the reason a SELECT method is refused.
fn verb_methods(
    methods: &[Method],
    lists: &VerbLists,
    call_as: &str,
    unserved: &mut Unserving<'_>,
) -> Verbs {
    let select = select_methods(methods, lists.indices("select", methods), call_as, unserved);
    let (delete, direct_delete) =
        delete_methods(methods, lists.indices("delete", methods), select.is_empty());
    // Everything else is reachable with EXEC: methods in no verb list, and INSERT/UPDATE/REPLACE
    // methods (which the statements of those names also call).
    let exec: Vec<usize> = (0..methods.len())
        .filter(|i| !select.contains(i) && !delete.contains(i))
        .collect();
    // INSERT, UPDATE and REPLACE statements (the methods stay callable with EXEC too).
    Verbs {
        insert: lists.indices("insert", methods),
        update: lists.indices("update", methods),
        replace: lists.indices("replace", methods),
        select,
        delete,
        direct_delete,
        exec,
    }
}

/// The SELECT methods, in preference order: those listed whose responses have rows to give.
fn select_methods(
    methods: &[Method],
    listed: Vec<usize>,
    call_as: &str,
    unserved: &mut Unserving<'_>,
) -> Vec<usize> {
    let mut select = Vec::new();
    for i in listed {
        if methods[i].returns == Returns::Nothing {
            // A GET answering 204 (a check such as "is starred"): no rows to give, but EXEC works.
            unserved.method(
                &methods[i].name,
                "select",
                format!(
                    "its response has no body, so it cannot serve SELECT; call it with EXEC {call_as}.{}",
                    methods[i].name
                ),
            );
        } else {
            select.push(i);
        }
    }
    // Preference order: the method needing the most parameters first (stable, so the document's
    // order breaks ties). A WHERE giving `owner`, `repo` and `run_id` then gets that run, not the
    // repository's list of runs with `run_id` left for SQLite to filter.
    select.sort_by_key(|&i| std::cmp::Reverse(methods[i].required().count()));
    select
}

/// The DELETE methods, as `(delete, direct_delete)`: which way a DELETE statement calls the
/// listed delete methods depends on whether the resource has a SELECT.
fn delete_methods(
    methods: &[Method],
    listed: Vec<usize>,
    no_select: bool,
) -> (Vec<usize>, Vec<usize>) {
    let mut delete = listed;
    // A DELETE statement lists the rows it removes with the resource's SELECT; without one, the
    // delete methods are called with EXEC (and SQL functions), as StackQL users do, and a DELETE
    // whose WHERE gives a method's parameters (body fields too, as `data__x = …`) calls it
    // directly (`direct_delete`).
    let direct_delete = if no_select {
        std::mem::take(&mut delete)
    } else {
        Vec::new()
    };
    // A delete that needs body fields (`DELETE …/contexts` with `{contexts: […]}`) cannot take
    // them from the rows a SELECT lists: it is called with EXEC.
    delete.retain(|&i| {
        !methods[i]
            .params
            .iter()
            .any(|p| p.required && p.location == ParamLocation::Body)
    });
    (delete, direct_delete)
}

/// Declared row → parameter mappings (`x-github-sql.paramFields: {param: field}`), in the
/// document's order: the writes read a parameter from a row through these.
fn row_params(ext: &Value) -> Vec<(String, String)> {
    ext["paramFields"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| v.as_str().map(|f| (k.clone(), f.to_string())))
        .collect()
}

/// The resource's columns, visible ones first: the response's fields (with the extensions'
/// nested, envelope and computed columns), then parameters, then what writes name.
fn resource_columns(
    doc: &Doc<'_>,
    at: &str,
    ext: &Value,
    loaded: &LoadedMethods,
    verbs: &Verbs,
    row_params: &[(String, String)],
) -> Result<Vec<Column>, SpecError> {
    let methods = &loaded.list;
    let mut columns = response_columns(doc, at, loaded, &verbs.select)?;
    field_path_columns(
        doc,
        at,
        ext,
        &first_row_schema(loaded, &verbs.select),
        &mut columns,
    )?;
    envelope_columns(doc, at, ext, loaded, &verbs.select, &mut columns)?;
    computed_columns(doc, at, ext, &mut columns)?;
    let param_fields: HashMap<String, String> = row_params.iter().cloned().collect();
    param_columns(doc, at, methods, verbs, &param_fields, &mut columns)?;
    if verbs.select.is_empty() {
        exec_columns(methods, &verbs.exec, &mut columns);
    } else {
        write_columns(methods, verbs, &mut columns);
    }
    if columns.is_empty() {
        return Err(doc.err(
            at,
            "the resource has no columns (no SELECT method with a response schema)",
        ));
    }
    column_descriptions(doc, at, ext, &mut columns)?;
    Ok(columns)
}

/// Field columns: the union of the SELECT methods' row schemas (the first method declaring a
/// field types it), in StackQL's order.
fn response_columns(
    doc: &Doc<'_>,
    at: &str,
    loaded: &LoadedMethods,
    select: &[usize],
) -> Result<Vec<Column>, SpecError> {
    let mut fields: BTreeMap<String, (SqlType, String, bool)> = BTreeMap::new();
    for &i in select {
        if let Some(schema) = loaded.item_schemas.get(&loaded.list[i].name) {
            let schema = doc.resolve(schema, at)?;
            let mut props = Vec::new();
            row_properties(doc, schema, at, 0, &mut props)?;
            for (f, s) in props {
                let s = doc.resolve(s, at)?;
                fields.entry(f.clone()).or_insert_with(|| {
                    (
                        property_type(doc, s, 0),
                        str_of(s, "description"),
                        is_date_time(s),
                    )
                });
            }
        }
    }
    // StackQL's column order: id, name and description first, then the rest alphabetically.
    let mut names: Vec<&String> = fields.keys().collect();
    names.sort_by_key(|n| match n.as_str() {
        "id" => (0, (*n).clone()),
        "name" => (1, (*n).clone()),
        "description" => (2, (*n).clone()),
        _ => (3, (*n).clone()),
    });
    Ok(names
        .into_iter()
        .map(|n| Column {
            name: n.clone(),
            sql_type: fields[n].0,
            description: fields[n].1.clone(),
            timestamp: fields[n].2,
            hidden: false,
            source: ColumnSource::Field(n.clone()),
        })
        .collect())
}

/// Whether a (resolved) schema is a timestamp: the columns of those are compared as times.
fn is_date_time(schema: &Value) -> bool {
    schema.get("format").and_then(Value::as_str) == Some("date-time")
}

/// The row schema of the first SELECT method that has one (`null` if none): where
/// `fieldPaths` look their fields up.
fn first_row_schema(loaded: &LoadedMethods, select: &[usize]) -> Value {
    select
        .iter()
        .find_map(|&i| loaded.item_schemas.get(&loaded.list[i].name))
        .cloned()
        .unwrap_or(Value::Null)
}

/// Nested fields and renames (`x-github-sql.fieldPaths: {column: 'a.b'}`): a one-segment path
/// renames the field's column, a longer one adds a column read from the nested key.
fn field_path_columns(
    doc: &Doc<'_>,
    at: &str,
    ext: &Value,
    first_schema: &Value,
    columns: &mut Vec<Column>,
) -> Result<(), SpecError> {
    for (col, path) in ext["fieldPaths"].as_object().into_iter().flatten() {
        let loc = format!("{at}/x-github-sql/fieldPaths/{col}");
        let path = path
            .as_str()
            .ok_or_else(|| doc.err(&loc, "expected a dotted path such as `subject.digest`"))?;
        let parts: Vec<String> = path.split('.').map(String::from).collect();
        let mut schema = doc.resolve(first_schema, &loc)?;
        for part in &parts {
            schema = doc.resolve(&schema["properties"][part.as_str()], &loc)?;
        }
        if schema.is_null() {
            return Err(doc.err(
                &loc,
                format!("the response schema has no field {path}; declare it under properties"),
            ));
        }
        let (field, rest) = (parts[0].clone(), parts[1..].to_vec());
        if rest.is_empty() {
            if let Some(c) = columns.iter_mut().find(|c| c.name == field) {
                c.name = col.clone();
                continue;
            }
        }
        columns.push(Column {
            name: col.clone(),
            sql_type: sql_type(schema),
            description: str_of(schema, "description"),
            hidden: false,
            timestamp: is_date_time(schema),
            source: ColumnSource::Path { field, rest },
        });
    }
    Ok(())
}

/// Fields of the object around a list's rows (`x-github-sql.envelopeFields: {column: field}`):
/// typed by the first SELECT method whose envelope declares the field.
fn envelope_columns(
    doc: &Doc<'_>,
    at: &str,
    ext: &Value,
    loaded: &LoadedMethods,
    select: &[usize],
    columns: &mut Vec<Column>,
) -> Result<(), SpecError> {
    for (col, field) in ext["envelopeFields"].as_object().into_iter().flatten() {
        let loc = format!("{at}/x-github-sql/envelopeFields/{col}");
        let field = field
            .as_str()
            .ok_or_else(|| doc.err(&loc, "expected the name of a field of the envelope"))?;
        if columns.iter().any(|c| &c.name == col) {
            return Err(doc.err(&loc, format!("a column named {col} exists already")));
        }
        let Some(schema) = envelope_field_schema(doc, &loc, loaded, select, field)? else {
            return Err(doc.err(
                &loc,
                format!("no SELECT method with an objectKey has a field {field} around its rows"),
            ));
        };
        columns.push(Column {
            name: col.clone(),
            sql_type: property_type(doc, schema, 0),
            description: str_of(schema, "description"),
            hidden: false,
            timestamp: is_date_time(schema),
            source: ColumnSource::Envelope(field.to_string()),
        });
    }
    Ok(())
}

/// The schema of `field` in the envelope of the first SELECT method whose envelope has it.
fn envelope_field_schema<'a>(
    doc: &'a Doc<'_>,
    loc: &str,
    loaded: &'a LoadedMethods,
    select: &[usize],
    field: &str,
) -> Result<Option<&'a Value>, SpecError> {
    for &i in select {
        if let Some(e) = loaded.envelopes.get(&loaded.list[i].name) {
            let mut props = Vec::new();
            row_properties(doc, doc.resolve(e, loc)?, loc, 0, &mut props)?;
            if let Some((_, s)) = props.into_iter().find(|(f, _)| f.as_str() == field) {
                return Ok(Some(doc.resolve(s, loc)?));
            }
        }
    }
    Ok(None)
}

/// Columns computed from the response rather than read from its rows
/// (`x-github-sql.computedColumns`): placed first, in the document's order.
fn computed_columns(
    doc: &Doc<'_>,
    at: &str,
    ext: &Value,
    columns: &mut Vec<Column>,
) -> Result<(), SpecError> {
    for (n, (col, spec)) in ext["computedColumns"]
        .as_object()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let loc = format!("{at}/x-github-sql/computedColumns/{col}");
        let from = spec["from"].as_str().unwrap_or_default();
        let (computed, sql) = match from {
            "body-sha256" => (Computed::BodySha256, SqlType::Text),
            "body-size" => (Computed::BodySize, SqlType::Integer),
            h if h.starts_with("header:") && h.len() > 7 => {
                (Computed::Header(h[7..].to_ascii_lowercase()), SqlType::Text)
            }
            other => {
                return Err(doc.err(
                    &loc,
                    format!(
                        "`from: {other}` is not known; use body-sha256, body-size or header:<Name>"
                    ),
                ))
            }
        };
        columns.insert(
            n,
            Column {
                name: col.clone(),
                sql_type: sql,
                description: str_of(spec, "description"),
                hidden: false,
                timestamp: false,
                source: ColumnSource::Computed(computed),
            },
        );
    }
    Ok(())
}

/// Parameter columns: every parameter of a SELECT or DELETE method, after the field columns.
/// Those every SELECT method requires are visible, the others hidden (left out of `SELECT *`);
/// each group alphabetically. A parameter mapped to a field (`paramFields`) or named like one
/// shares that field's column instead, or takes its type.
fn param_columns(
    doc: &Doc<'_>,
    at: &str,
    methods: &[Method],
    verbs: &Verbs,
    param_fields: &HashMap<String, String>,
    columns: &mut Vec<Column>,
) -> Result<(), SpecError> {
    let mut visible = Vec::new();
    let mut hidden = Vec::new();
    for p in select_and_delete_params(methods, verbs) {
        if let Some(field) = param_fields.get(&p.name) {
            let Some(c) = columns.iter_mut().find(|c| &c.name == field) else {
                return Err(doc.err(
                    format!("{at}/x-github-sql/paramFields/{}", p.name),
                    format!("no response field named {field}"),
                ));
            };
            c.source = ColumnSource::ParamField {
                param: p.name.clone(),
                field: field.clone(),
            };
        }
        if field_column_serves_param(p, columns) {
            continue;
        }
        let is_hidden = !required_by_every_select(methods, &verbs.select, &p.name);
        let col = param_only_column(p, param_fields, columns, is_hidden);
        if is_hidden {
            hidden.push(col);
        } else {
            visible.push(col);
        }
    }
    visible.sort_by(|a, b| a.name.cmp(&b.name));
    hidden.sort_by(|a, b| a.name.cmp(&b.name));
    columns.extend(visible);
    columns.extend(hidden);
    Ok(())
}

/// The parameters of the SELECT methods, then of the DELETE methods, each name once (the first
/// method declaring it describes it).
fn select_and_delete_params<'m>(methods: &'m [Method], verbs: &Verbs) -> Vec<&'m Param> {
    let mut params: Vec<&Param> = Vec::new();
    for &i in verbs.select.iter().chain(verbs.delete.iter()) {
        for p in &methods[i].params {
            if !params.iter().any(|q| q.name == p.name) {
                params.push(p);
            }
        }
    }
    params
}

/// Whether every SELECT method requires the parameter `name` (and there is a SELECT): such a
/// parameter's column is visible, since every query gives it.
fn required_by_every_select(methods: &[Method], select: &[usize], name: &str) -> bool {
    !select.is_empty()
        && select
            .iter()
            .all(|&i| methods[i].param(name).is_some_and(|q| q.required))
}

/// Settles a response field named like parameter `p`. A scalar field's column serves the
/// parameter too (true: no column of its own). An object or array field gives its name up and
/// moves to `<name>_object` (false: the parameter gets a column of that name).
fn field_column_serves_param(p: &Param, columns: &mut [Column]) -> bool {
    let Some(i) = columns.iter().position(|c| c.name == p.name) else {
        return false;
    };
    if columns[i].sql_type == SqlType::Json && p.sql_type != SqlType::Json {
        // The response's field of that name is an object or array (a repository's `owner`) while
        // the parameter is a value (a login): the column is the parameter, so `owner = 'octocat'`
        // compares like-typed values in every front end, and the field moves to `<name>_object`
        // (see `object_column_name`).
        let renamed = object_column_name(&p.name, |n| columns.iter().any(|c| c.name == n));
        columns[i].name = renamed;
        false
    } else {
        // A parameter that is also a response field of the same name. A scalar field keeps its
        // own type (a run's `workflow_id` is its workflow's number, which the parameter takes
        // too, besides a file name).
        columns[i].source = ColumnSource::ParamField {
            param: p.name.clone(),
            field: p.name.clone(),
        };
        true
    }
}

/// The column of a parameter no field column serves. One mapped to a field (`comment_id` reads
/// `id`) reads the row through it and has that field's type.
fn param_only_column(
    p: &Param,
    param_fields: &HashMap<String, String>,
    columns: &[Column],
    hidden: bool,
) -> Column {
    let mut sql_type = p.sql_type;
    let source = match param_fields.get(&p.name) {
        Some(field) => {
            if let Some(c) = columns.iter().find(|c| &c.name == field) {
                sql_type = c.sql_type;
            }
            ColumnSource::ParamField {
                param: p.name.clone(),
                field: field.clone(),
            }
        }
        None => ColumnSource::Param(p.name.clone()),
    };
    Column {
        name: p.name.clone(),
        sql_type,
        description: p.description.clone(),
        timestamp: false,
        hidden,
        source,
    }
}

/// What INSERT, UPDATE and REPLACE name on a resource with a SELECT: the write methods' other
/// parameters and their `data__` body fields, as hidden columns (left out of `SELECT *`; NULL
/// when read).
fn write_columns(methods: &[Method], verbs: &Verbs, columns: &mut Vec<Column>) {
    let mut extra: Vec<Column> = Vec::new();
    for &i in verbs
        .insert
        .iter()
        .chain(&verbs.update)
        .chain(&verbs.replace)
    {
        for p in &methods[i].params {
            let taken = columns.iter().chain(&extra).any(|c| c.name == p.name);
            if !taken {
                extra.push(param_column(p, true));
            }
        }
    }
    // Parameters first, then the body fields, each alphabetically.
    extra.sort_by(|a, b| {
        (a.name.starts_with(BODY_PREFIX), &a.name).cmp(&(b.name.starts_with(BODY_PREFIX), &b.name))
    });
    columns.extend(extra);
}

/// The columns of a resource without SELECT: the other methods' parameters (DESCRIBE shows them;
/// a SELECT is refused by the planner with what the resource supports). Body fields are hidden,
/// after the others, so INSERT can name them.
fn exec_columns(methods: &[Method], exec: &[usize], columns: &mut Vec<Column>) {
    let mut body = Vec::new();
    for &i in exec {
        for p in &methods[i].params {
            let is_body = p.location == ParamLocation::Body;
            if !columns.iter().chain(&body).any(|c| c.name == p.name) {
                let c = param_column(p, is_body);
                if is_body {
                    body.push(c);
                } else {
                    columns.push(c);
                }
            }
        }
    }
    body.sort_by(|a, b| a.name.cmp(&b.name));
    columns.extend(body);
    if columns.is_empty() {
        // SQLite needs one column to declare the table.
        columns.push(Column {
            name: "result".into(),
            sql_type: SqlType::Json,
            description: "Always NULL: the resource has no SELECT method; use its EXEC methods."
                .into(),
            timestamp: false,
            hidden: false,
            source: ColumnSource::Param("result".into()),
        });
    }
}

/// Descriptions the copied schemas lack (or state too briefly), from
/// `x-github-sql.columnDescriptions`: shown by DESCRIBE and the docs.
fn column_descriptions(
    doc: &Doc<'_>,
    at: &str,
    ext: &Value,
    columns: &mut [Column],
) -> Result<(), SpecError> {
    for (name, text) in ext["columnDescriptions"].as_object().into_iter().flatten() {
        let loc = format!("{at}/x-github-sql/columnDescriptions/{name}");
        let Some(c) = columns.iter_mut().find(|c| &c.name == name) else {
            let known: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
            return Err(doc.err(
                loc,
                format!(
                    "no column named {name}; the columns are {}",
                    known.join(", ")
                ),
            ));
        };
        c.description = text
            .as_str()
            .ok_or_else(|| doc.err(&loc, "expected a string"))?
            .to_string();
    }
    Ok(())
}

/// Prose sections for the resource's reference page (`x-github-sql.notes`).
fn resource_notes(doc: &Doc<'_>, at: &str, ext: &Value) -> Result<Vec<Note>, SpecError> {
    read_list(
        doc,
        &format!("{at}/x-github-sql/notes"),
        &ext["notes"],
        |loc, n| {
            Ok(Note {
                title: required_str(doc, loc, n, "title")?,
                body: required_str(doc, loc, n, "body")?,
            })
        },
    )
}

/// Example queries for the resource's reference page (`x-github-sql.examples`).
fn resource_examples(doc: &Doc<'_>, at: &str, ext: &Value) -> Result<Vec<Example>, SpecError> {
    read_list(
        doc,
        &format!("{at}/x-github-sql/examples"),
        &ext["examples"],
        |loc, e| {
            Ok(Example {
                title: required_str(doc, loc, e, "title")?,
                description: str_of(e, "description"),
                sql: required_str(doc, loc, e, "sql")?,
                after: str_of(e, "after"),
                run: e["run"].as_bool().unwrap_or(true),
            })
        },
    )
}

/// Whether deleted rows stay restorable (`x-github-sql.softDelete: {field, restore, days}`),
/// checking that `restore` names one of the resource's methods.
fn soft_delete(
    doc: &Doc<'_>,
    at: &str,
    ext: &Value,
    methods: &[Method],
) -> Result<Option<SoftDelete>, SpecError> {
    let sd = &ext["softDelete"];
    if sd.is_null() {
        return Ok(None);
    }
    let loc = format!("{at}/x-github-sql/softDelete");
    let restore = required_str(doc, &loc, sd, "restore")?;
    if !methods.iter().any(|m| m.name == restore) {
        return Err(doc.err(
            format!("{loc}/restore"),
            format!("no method named {restore} in this resource"),
        ));
    }
    Ok(Some(SoftDelete {
        field: required_str(doc, &loc, sd, "field")?,
        restore,
        days: sd["days"]
            .as_u64()
            .and_then(|d| u32::try_from(d).ok())
            .ok_or_else(|| doc.err(format!("{loc}/days"), "needs a number of days"))?,
    }))
}

/// The provider's pagination, with the page size of the first SELECT method that declares one
/// when the provider sets none.
fn resource_pagination(config: &Config, methods: &[Method], select: &[usize]) -> Pagination {
    let mut pagination = config.pagination.clone();
    if pagination.page_size.is_none() {
        pagination.page_size = select.iter().find_map(|&i| methods[i].page_size.clone());
    }
    pagination
}

/// The column name of a response field that an object-typed field gives up to a parameter of
/// its name: `<name>_object` (`owner` → `owner_object`), with `_` appended while `taken` says
/// the name is used.
pub fn object_column_name(name: &str, taken: impl Fn(&str) -> bool) -> String {
    let mut n = format!("{name}_object");
    while taken(&n) {
        n.push('_');
    }
    n
}

/// A column that echoes a parameter (what INSERT and UPDATE name to give it a value).
fn param_column(p: &Param, hidden: bool) -> Column {
    Column {
        name: p.name.clone(),
        sql_type: p.sql_type,
        description: p.description.clone(),
        timestamp: false,
        hidden,
        source: ColumnSource::Param(p.name.clone()),
    }
}

/// The properties of a row schema, with those of its `allOf`, `anyOf` and `oneOf` members in
/// order (GitHub writes some rows as `allOf: [repository, {…}]` or `oneOf: [private-user,
/// public-user]`); a later member's property of the same name is left to the first.
fn row_properties<'v>(
    doc: &'v Doc<'_>,
    schema: &'v Value,
    at: &str,
    depth: usize,
    out: &mut Vec<(&'v String, &'v Value)>,
) -> Result<(), SpecError> {
    if depth > 8 {
        return Ok(());
    }
    for (f, s) in schema["properties"].as_object().into_iter().flatten() {
        if !out.iter().any(|(g, _)| *g == f) {
            out.push((f, s));
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        for member in schema[key].as_array().into_iter().flatten() {
            let member = doc.resolve(member, at)?;
            row_properties(doc, member, at, depth + 1, out)?;
        }
    }
    Ok(())
}

/// Reads an optional YAML list, item by item; the closure gets each item's location.
fn read_list<T>(
    doc: &Doc<'_>,
    at: &str,
    v: &Value,
    mut item: impl FnMut(&str, &Value) -> Result<T, SpecError>,
) -> Result<Vec<T>, SpecError> {
    if v.is_null() {
        return Ok(Vec::new());
    }
    let items = v.as_array().ok_or_else(|| doc.err(at, "expected a list"))?;
    items
        .iter()
        .enumerate()
        .map(|(i, x)| item(&format!("{at}/{i}"), x))
        .collect()
}

fn required_str(doc: &Doc<'_>, at: &str, v: &Value, key: &str) -> Result<String, SpecError> {
    v.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(String::from)
        .ok_or_else(|| doc.err(at, format!("needs a non-empty `{key}` string")))
}
