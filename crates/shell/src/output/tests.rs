use super::*;

fn sample() -> ResultSet {
    ResultSet {
        columns: vec!["id".into(), "name".into(), "metadata".into(), "size".into()],
        decltypes: vec![
            Some("INTEGER".into()),
            Some("TEXT".into()),
            Some("JSON".into()),
            None,
        ],
        rows: vec![
            vec![
                Value::Integer(45763),
                Value::Text("a, \"quoted\" name".into()),
                Value::Text(
                    r#"{"package_type":"container","container":{"tags":["latest"]}}"#.into(),
                ),
                Value::Real(1.5),
            ],
            vec![Value::Integer(881), Value::Null, Value::Null, Value::Null],
        ],
    }
}

fn render(f: OutputFormat, rs: &ResultSet) -> String {
    let mut out = Vec::new();
    formatter(f).write(rs, &mut out).expect("write");
    String::from_utf8(out).expect("utf8")
}

#[test]
fn json_keeps_types_and_embeds_json_columns() {
    let v: serde_json::Value =
        serde_json::from_str(&render(OutputFormat::Json, &sample())).expect("valid json");
    assert_eq!(v[0]["id"], serde_json::json!(45763));
    assert_eq!(v[0]["metadata"]["container"]["tags"][0], "latest");
    assert_eq!(v[0]["size"], serde_json::json!(1.5));
    assert_eq!(v[1]["name"], serde_json::Value::Null);
    assert_eq!(v.as_array().map(Vec::len), Some(2));
    assert_eq!(
        render(OutputFormat::Json, &ResultSet::default()).trim(),
        "[]"
    );
}

#[test]
fn csv_quotes_and_leaves_nulls_empty() {
    let s = render(OutputFormat::Csv, &sample());
    let lines: Vec<&str> = s.lines().collect();
    assert_eq!(lines[0], "id,name,metadata,size");
    assert!(
        lines[1].starts_with("45763,\"a, \"\"quoted\"\" name\",\"{"),
        "{}",
        lines[1]
    );
    assert_eq!(lines[2], "881,,,");
}

#[test]
fn table_is_aligned_with_a_header() {
    let s = render(OutputFormat::Table, &sample());
    let lines: Vec<&str> = s.lines().collect();
    assert!(
        lines[1].contains("| id ") && lines[1].contains("| metadata"),
        "{s}"
    );
    assert!(s.contains("| 45763 |"), "{s}");
    let widths: Vec<usize> = lines.iter().map(|l| l.chars().count()).collect();
    assert!(widths.windows(2).all(|w| w[0] == w[1]), "rows align: {s}");
    assert_eq!(render(OutputFormat::Table, &ResultSet::default()), "");
}

#[test]
fn line_box_and_markdown() {
    let s = render(OutputFormat::Line, &sample());
    assert!(
        s.starts_with("      id = 45763\n    name = a, \"quoted\" name\n"),
        "{s}"
    );
    assert!(
        s.contains("\n\n      id = 881\n"),
        "a blank line between rows: {s}"
    );
    let b = render(OutputFormat::Box, &sample());
    assert!(b.contains('│') && b.contains("45763"), "{b}");
    let m = render(OutputFormat::Markdown, &sample());
    let lines: Vec<&str> = m.lines().collect();
    assert!(
        lines[0].starts_with("| id ") && lines[1].starts_with("|--"),
        "{m}"
    );
}

#[test]
fn headers_off_leaves_out_the_names() {
    let mut out = Vec::new();
    formatter_with(OutputFormat::Csv, false)
        .write(&sample(), &mut out)
        .expect("write");
    assert!(String::from_utf8_lossy(&out).starts_with("45763,"));
    let mut out = Vec::new();
    formatter_with(OutputFormat::Table, false)
        .write(&sample(), &mut out)
        .expect("write");
    assert!(!String::from_utf8_lossy(&out).contains("| id "));
}
