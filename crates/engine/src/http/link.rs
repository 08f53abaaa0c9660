//! RFC 8288 `Link` headers as GitHub sends them: `<url>; rel="next", <url>; rel="last"`.

/// The relations GitHub uses for pagination.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkRel {
    /// The next page.
    Next,
    /// The last page.
    Last,
    /// The first page.
    First,
    /// The previous page.
    Prev,
}

/// Parses a Link header into (relation, URL) pairs; unknown relations and malformed parts are
/// skipped rather than failing the whole header.
pub fn parse_link_header(header: &str) -> Vec<(LinkRel, String)> {
    let mut out = Vec::new();
    let mut rest = header;
    while let Some(open) = rest.find('<') {
        let after_open = &rest[open + 1..];
        let Some(close) = after_open.find('>') else {
            break;
        };
        let url = after_open[..close].trim();
        let params_and_rest = &after_open[close + 1..];
        // The parameters run until the next link (a comma followed by `<`).
        let end = next_link_start(params_and_rest).unwrap_or(params_and_rest.len());
        for param in params_and_rest[..end].split(';') {
            let Some((k, v)) = param.split_once('=') else {
                continue;
            };
            if !k.trim().eq_ignore_ascii_case("rel") {
                continue;
            }
            for rel in v.trim().trim_matches('"').split_ascii_whitespace() {
                let rel = match rel.to_ascii_lowercase().as_str() {
                    "next" => LinkRel::Next,
                    "last" => LinkRel::Last,
                    "first" => LinkRel::First,
                    "prev" | "previous" => LinkRel::Prev,
                    _ => continue,
                };
                out.push((rel, url.to_string()));
            }
        }
        rest = &params_and_rest[end..];
    }
    out
}

fn next_link_start(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b',' {
            let j = i + 1 + s[i + 1..].len() - s[i + 1..].trim_start().len();
            if bytes.get(j) == Some(&b'<') {
                return Some(i);
            }
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_style_header() {
        let h = r#"<https://api.github.com/user/packages/npm/x/versions?per_page=100&page=2>; rel="next", <https://api.github.com/user/packages/npm/x/versions?per_page=100&page=3>; rel="last""#;
        let links = parse_link_header(h);
        assert_eq!(links.len(), 2);
        assert_eq!(links[0].0, LinkRel::Next);
        assert!(links[0].1.ends_with("page=2"));
        assert_eq!(links[1].0, LinkRel::Last);
        assert!(links[1].1.ends_with("page=3"));
    }

    #[test]
    fn commas_inside_urls_and_odd_spacing() {
        let h = r#"<https://h/x?a=1,2&page=2>;rel=next ,<https://h/x?page=1>;  rel="first prev""#;
        let links = parse_link_header(h);
        assert_eq!(
            links,
            vec![
                (LinkRel::Next, "https://h/x?a=1,2&page=2".to_string()),
                (LinkRel::First, "https://h/x?page=1".to_string()),
                (LinkRel::Prev, "https://h/x?page=1".to_string()),
            ]
        );
    }

    #[test]
    fn garbage_is_not_a_link() {
        assert!(parse_link_header("").is_empty());
        assert!(parse_link_header("nonsense; rel=next").is_empty());
        assert!(parse_link_header("<unterminated; rel=next").is_empty());
        assert!(parse_link_header(r#"<https://h/x>; rel="unknown""#).is_empty());
    }
}
