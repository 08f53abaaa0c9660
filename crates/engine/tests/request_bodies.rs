//! Request bodies: a method's JSON body fields become typed `data__<field>` parameters (the
//! spec crate), and binding them gives the JSON GitHub receives (the engine).

use std::path::PathBuf;

use github_sql_engine::spec::{load_dir, JsonType, ParamLocation, SqlType};

/// A one-service provider directory holding `service` as `services/s.yaml`.
fn doc_dir(tag: &str, service: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ghsql-engine-{tag}-{}", std::process::id()));
    let v = dir.join("github/v1");
    std::fs::create_dir_all(v.join("services")).expect("mkdir");
    std::fs::write(
        v.join("provider.yaml"),
        "name: github\nversion: v1\nproviderServices:\n  s:\n    service:\n      $ref: github/v1/services/s.yaml\n",
    )
    .expect("write");
    std::fs::write(v.join("services/s.yaml"), service).expect("write");
    dir
}

#[test]
fn request_bodies_become_typed_data_params() {
    let service = r#"paths:
  /x:
    get:
      responses:
        '200':
          content:
            application/json:
              schema: {type: array, items: {type: object, properties: {id: {type: integer}}}}
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties:
                name: {type: string}
                flag: {type: boolean}
                n: {type: integer}
                ratio: {type: number}
                tags: {type: array, items: {type: string}}
                meta: {type: object}
                either: {oneOf: [{type: string}, {type: array}]}
                state: {type: string, enum: [open, closed]}
                api_token: {type: string}
              allOf:
              - {required: [n], properties: {n: {type: integer}}}
      responses: {'201': {description: created}}
    put:
      requestBody:
        content:
          application/json:
            schema:
              anyOf:
              - {type: object, required: [a, b], properties: {a: {type: string}, b: {type: string}}}
              - {type: object, required: [a], properties: {a: {type: string}, c: {type: integer}}}
      responses: {'204': {description: done}}
    patch:
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: array, items: {type: string}}
      responses: {'204': {description: done}}
  /upload:
    post:
      requestBody:
        content:
          application/octet-stream:
            schema: {type: string, format: binary}
      responses: {'201': {description: done}}
components:
  x-stackQL-resources:
    x:
      methods:
        list: {operation: {$ref: '#/paths/~1x/get'}}
        create: {operation: {$ref: '#/paths/~1x/post'}, response: {openAPIDocKey: '201'}}
        set: {operation: {$ref: '#/paths/~1x/put'}, response: {openAPIDocKey: '204'}}
        bulk: {operation: {$ref: '#/paths/~1x/patch'}, response: {openAPIDocKey: '204'}}
        upload: {operation: {$ref: '#/paths/~1upload/post'}, response: {openAPIDocKey: '201'}}
      sqlVerbs:
        select: [{$ref: '#/components/x-stackQL-resources/x/methods/list'}]
        insert: [{$ref: '#/components/x-stackQL-resources/x/methods/create'}]
        replace: [{$ref: '#/components/x-stackQL-resources/x/methods/set'}]
        update: [{$ref: '#/components/x-stackQL-resources/x/methods/bulk'}]
"#;
    let dir = doc_dir("bodies", service);
    let p = load_dir(&dir).expect("loads");
    let r = p.resource_by_name("x").expect("x");
    let m = |n: &str| r.methods.iter().find(|m| m.name == n).expect(n);
    let create = m("create");
    let fields: Vec<(&str, bool, SqlType, JsonType)> = create
        .params
        .iter()
        .map(|q| (q.name.as_str(), q.required, q.sql_type, q.json_type))
        .collect();
    assert_eq!(
        fields,
        vec![
            ("data__name", true, SqlType::Text, JsonType::String),
            ("data__flag", false, SqlType::Integer, JsonType::Boolean),
            ("data__n", true, SqlType::Integer, JsonType::Integer),
            ("data__ratio", false, SqlType::Real, JsonType::Number),
            ("data__tags", false, SqlType::Json, JsonType::Json),
            ("data__meta", false, SqlType::Json, JsonType::Json),
            ("data__either", false, SqlType::Text, JsonType::Any),
            ("data__state", false, SqlType::Text, JsonType::String),
            ("data__api_token", false, SqlType::Text, JsonType::String),
        ]
    );
    assert!(create
        .params
        .iter()
        .all(|q| q.location == ParamLocation::Body));
    // anyOf: a is required by both alternatives, b and c by one; the body itself is optional,
    // so nothing is required.
    let set: Vec<(&str, bool)> = m("set")
        .params
        .iter()
        .map(|q| (q.name.as_str(), q.required))
        .collect();
    assert_eq!(
        set,
        vec![("data__a", false), ("data__b", false), ("data__c", false)]
    );
    assert!(!m("set").body.as_ref().expect("body").required);
    let why = |n: &str| {
        p.unserved
            .iter()
            .find(|u| u.method.as_deref() == Some(n))
            .map(|u| u.reason.clone())
            .unwrap_or_default()
    };
    assert!(why("bulk").contains("is an array"), "{}", why("bulk"));
    assert!(
        why("upload").contains("application/octet-stream"),
        "{}",
        why("upload")
    );
    assert!(r.update.is_empty(), "its only update method is not served");
    assert_eq!(r.insert.len(), 1);

    // Binding: typed JSON values, errors naming the parameter.
    use github_sql_engine::plan::bind;
    use github_sql_engine::Value as V;
    let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let b = bind(
        create,
        &names(&[
            "data__name",
            "data__flag",
            "data__n",
            "data__ratio",
            "data__tags",
            "data__meta",
            "data__either",
            "data__api_token",
        ]),
        vec![
            V::Integer(7),
            V::Text("false".into()),
            V::Text("-3".into()),
            V::Integer(2),
            V::Text(r#"["a", "b"]"#.into()),
            V::Text(r#"{"k": {"z": 1}}"#.into()),
            V::Text("plain".into()),
            V::Text("t0ps3cret".into()),
        ],
    )
    .expect("binds")
    .expect("not null");
    assert_eq!(
        b.body_json(create),
        Some(serde_json::json!({
            "name": "7", "flag": false, "n": -3, "ratio": 2, "tags": ["a", "b"],
            "meta": {"k": {"z": 1}}, "either": "plain", "api_token": "t0ps3cret"
        }))
    );
    // The journal keeps the body fields under their data__ names, secrets redacted.
    let j = github_sql_engine::exec::journal_params(&b);
    assert_eq!(j["data__tags"], serde_json::json!(["a", "b"]));
    assert_eq!(j["data__api_token"], "[redacted]");
    let err = |name: &str, v: V| {
        bind(create, &names(&[name]), vec![v])
            .expect_err(name)
            .to_string()
    };
    assert_eq!(
        err("data__flag", V::Integer(2)),
        "data__flag must be a boolean (true/false or 1/0), got 2"
    );
    assert!(err("data__tags", V::Text("[1,".into())).starts_with("data__tags must be JSON text"));
    assert_eq!(
        err("data__n", V::Real(1.5)),
        "data__n must be an integer, got 1.5"
    );
    assert!(err("data__state", V::Text("merged".into())).contains("use one of: open, closed"));
    // No field given: `{}` for a required body, nothing for an optional one.
    let empty = bind(create, &[], vec![]).expect("binds").expect("some");
    assert_eq!(empty.body_json(create), Some(serde_json::json!({})));
    assert_eq!(empty.body_json(m("set")), None);
    assert_eq!(empty.body_json(m("list")), None);
    // Examples that name the body fields.
    assert_eq!(
        github_sql_engine::examples::example_statement(r, create, "INSERT"),
        "INSERT INTO x (data__n, data__name) VALUES (123, 'my-name')"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
