//! Property tests: Link headers, URL building and JSON decoding hold for any input.

use github_sql::http::{parse_link_header, ClientConfig, GitHubClient, LinkRel, Token};
use github_sql::rows::field_value;
use github_sql::spec::SqlType;
use github_sql::Value;
use proptest::prelude::*;

fn rel_name(r: LinkRel) -> &'static str {
    match r {
        LinkRel::Next => "next",
        LinkRel::Last => "last",
        LinkRel::First => "first",
        LinkRel::Prev => "prev",
    }
}

fn rel() -> impl Strategy<Value = LinkRel> {
    prop_oneof![
        Just(LinkRel::Next),
        Just(LinkRel::Last),
        Just(LinkRel::First),
        Just(LinkRel::Prev)
    ]
}

fn json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        ".*".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map("[a-z]{1,5}", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn link_headers_round_trip(
        links in prop::collection::vec((rel(), "[a-z0-9/?=&,;%._-]{0,40}"), 0..5),
        spaces in "[ ]{0,2}",
    ) {
        let header = links
            .iter()
            .map(|(r, path)| format!("<https://api.github.com/{path}>;{spaces}rel=\"{}\"", rel_name(*r)))
            .collect::<Vec<_>>()
            .join(&format!(",{spaces}"));
        let parsed = parse_link_header(&header);
        let want: Vec<(LinkRel, String)> = links
            .iter()
            .map(|(r, p)| (*r, format!("https://api.github.com/{p}")))
            .collect();
        prop_assert_eq!(parsed, want);
    }

    #[test]
    fn link_parsing_never_panics(s in ".*") {
        let _ = parse_link_header(&s);
    }

    #[test]
    fn any_name_stays_one_path_segment(name in ".{1,60}") {
        let client = GitHubClient::new(ClientConfig::new("https://api.github.com", Some(Token::new("t"))));
        let built = client.url_for(
            "/user/packages/{package_type}/{package_name}/versions",
            &[("package_type", "npm"), ("package_name", name.as_str())],
            &[("per_page", "100".to_string())],
        );
        match built {
            Ok(u) => {
                let segments: Vec<&str> = u.path_segments().expect("segments").collect();
                prop_assert_eq!(segments.len(), 5);
                prop_assert_eq!(segments[4], "versions");
                let decoded = percent_encoding::percent_decode_str(segments[3]).decode_utf8().expect("utf8");
                prop_assert_eq!(decoded.as_ref(), name.as_str());
                prop_assert_eq!(u.query(), Some("per_page=100"));
                prop_assert_eq!(u.fragment(), None);
            }
            // Only the dot segments are refused.
            Err(_) => prop_assert!(name == "." || name == ".."),
        }
    }

    #[test]
    fn any_json_becomes_a_sql_value(v in json()) {
        for t in [SqlType::Integer, SqlType::Real, SqlType::Text, SqlType::Json] {
            let out = field_value(t, Some(&v));
            match (&v, out) {
                (serde_json::Value::Null, Value::Null) => {}
                (serde_json::Value::Null, other) => prop_assert!(false, "null became {:?}", other),
                (serde_json::Value::Object(_) | serde_json::Value::Array(_), Value::Text(s)) if t == SqlType::Json => {
                    let back: serde_json::Value = serde_json::from_str(&s).expect("valid JSON text");
                    prop_assert_eq!(&back, &v);
                }
                _ => {}
            }
        }
    }
}
