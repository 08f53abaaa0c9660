//! Example statements in the shell's syntax, made from the document: what an error shows as
//! the statement to run instead. They are data for the front ends, which rewrite them into their
//! own SQL (the wrapper's SQL functions, its `service.resource` tables).

use crate::spec::{Method, Resource};
use crate::value::Value;

/// An example call in the shell's EXEC syntax (with `values` where given).
pub fn example_exec(resource: &Resource, method: &Method) -> String {
    example_exec_with(resource, method, &[])
}

/// An EXEC call with these argument values, placeholders for the rest.
pub fn example_exec_with(
    resource: &Resource,
    method: &Method,
    values: &[(String, Value)],
) -> String {
    let args: Vec<String> = resource
        .call_order(method)
        .iter()
        .filter(|p| p.required)
        .map(|p| {
            let given = values.iter().find(|(n, _)| *n == p.name).map(|(_, v)| v);
            format!("@{}={}", p.name, example_value(p, given))
        })
        .collect();
    format!("EXEC {}.{} {}", resource.id, method.name, args.join(", "))
}

/// A value for `p` in an example statement: the one given, else a placeholder of its type.
pub fn example_value(p: &crate::spec::Param, given: Option<&Value>) -> String {
    use crate::spec::{JsonType, SqlType};
    match (given, &p.allowed, p.sql_type) {
        (Some(Value::Integer(i)), _, _) => i.to_string(),
        (Some(Value::Text(t)), _, _) => format!("'{}'", t.replace('\'', "''")),
        (_, Some(a), _) if !a.is_empty() => format!("'{}'", a[0]),
        _ if p.json_type == JsonType::Boolean => "true".into(),
        (_, _, SqlType::Integer) => "123".into(),
        (_, _, SqlType::Json) => "'[\"a\", \"b\"]'".into(),
        _ => {
            let base = p.body_field().unwrap_or(&p.name);
            format!("'my-{}'", base.trim_end_matches("_name").replace('_', "-"))
        }
    }
}

/// An example INSERT, UPDATE or REPLACE statement that calls `method` with its required values.
pub fn example_statement(resource: &Resource, method: &Method, verb: &str) -> String {
    use crate::spec::ParamLocation;
    let required: Vec<&crate::spec::Param> = resource
        .call_order(method)
        .into_iter()
        .filter(|p| p.required)
        .collect();
    let pair = |p: &&crate::spec::Param| format!("{} = {}", p.name, example_value(p, None));
    if verb == "UPDATE" {
        let (body, keys): (Vec<_>, Vec<_>) = required
            .iter()
            .partition(|p| p.location == ParamLocation::Body);
        let mut set: Vec<String> = body.iter().map(pair).collect();
        if set.is_empty() {
            if let Some(p) = method
                .params
                .iter()
                .find(|p| p.location == ParamLocation::Body)
            {
                set.push(pair(&p));
            }
        }
        let mut s = format!("UPDATE {} SET {}", resource.name, set.join(", "));
        if !keys.is_empty() {
            s.push_str(&format!(
                " WHERE {}",
                keys.iter().map(pair).collect::<Vec<_>>().join(" AND ")
            ));
        }
        return s;
    }
    let cols: Vec<&str> = required.iter().map(|p| p.name.as_str()).collect();
    let vals: Vec<String> = required.iter().map(|p| example_value(p, None)).collect();
    format!(
        "{} INTO {} ({}) VALUES ({})",
        if verb == "REPLACE" {
            "REPLACE"
        } else {
            "INSERT"
        },
        resource.name,
        cols.join(", "),
        vals.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::load_embedded;

    fn method<'a>(r: &'a Resource, name: &str) -> &'a Method {
        r.methods.iter().find(|m| m.name == name).expect(name)
    }

    #[test]
    fn exec_examples_name_every_required_parameter_and_keep_given_values() {
        let p = load_embedded().expect("provider");
        let r = p.resource_by_name("auth_user_versions").expect("resource");
        let m = method(r, "delete_package_version_for_authenticated_user");
        let all = example_exec(r, m);
        assert!(
            all.starts_with(&format!("EXEC {}.{} ", r.id, m.name)),
            "{all}"
        );
        for p in m.params.iter().filter(|p| p.required) {
            assert!(all.contains(&format!("@{}=", p.name)), "{all}");
        }
        let given = example_exec_with(
            r,
            m,
            &[
                ("package_name".into(), Value::Text("it's".into())),
                ("package_version_id".into(), Value::Integer(42)),
            ],
        );
        assert!(given.contains("@package_name='it''s'"), "{given}");
        assert!(given.contains("@package_version_id=42"), "{given}");
        // An enum parameter shows an allowed value, never a made-up one.
        let ty = m.param("package_type").expect("package_type");
        let allowed = ty.allowed.as_ref().expect("enum");
        assert!(
            given.contains(&format!("@package_type='{}'", allowed[0])),
            "{given}"
        );
    }

    #[test]
    fn insert_and_update_examples_are_statements_of_their_verb() {
        let p = load_embedded().expect("provider");
        let (r, m) = p
            .services
            .iter()
            .flat_map(|s| s.resources.iter())
            .find_map(|r| r.update.first().map(|&m| (r.clone(), m)))
            .expect("a resource with an UPDATE method");
        let m = &r.methods[m];
        let update = example_statement(&r, m, "UPDATE");
        assert!(
            update.starts_with(&format!("UPDATE {} SET ", r.name)),
            "{update}"
        );
        let insert = example_statement(&r, m, "INSERT");
        assert!(
            insert.starts_with(&format!("INSERT INTO {} (", r.name)),
            "{insert}"
        );
        assert!(insert.contains(") VALUES ("), "{insert}");
        assert!(example_statement(&r, m, "REPLACE").starts_with("REPLACE INTO "));
    }
}
