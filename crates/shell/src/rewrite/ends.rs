//! Where SQLite ends statements, found in one pass that can resume as the input grows.
//!
//! This is `sqlite3_complete`'s state machine (SQLite's `complete.c`) walked once over the input.
//! Asking `sqlite3_complete` itself at every `;` rescans the statement from its start each time,
//! so a statement with many `;` inside strings or a trigger body, or a statement typed over many
//! lines, cost time quadratic in its length (issue 21). The unit tests below check every verdict
//! against the linked `sqlite3_complete`.

/// Token classes of `complete.c`.
const SEMI: usize = 0;
const WS: usize = 1;
const OTHER: usize = 2;
const EXPLAIN: usize = 3;
const CREATE: usize = 4;
const TEMP: usize = 5;
const TRIGGER: usize = 6;
const END: usize = 7;

/// The state at the start or end of a statement: the input so far is complete in it.
const START: u8 = 1;

/// `complete.c`'s transitions (states: 0 nothing yet, 1 start, 2 normal, 3 EXPLAIN, 4 CREATE,
/// 5 in a trigger, 6 `;` in a trigger, 7 `; END` in a trigger), by token class.
const TRANS: [[u8; 8]; 8] = [
    // SEMI WS OTHER EXPLAIN CREATE TEMP TRIGGER END
    [1, 0, 2, 3, 4, 2, 2, 2],
    [1, 1, 2, 3, 4, 2, 2, 2],
    [1, 2, 2, 2, 2, 2, 2, 2],
    [1, 3, 3, 2, 4, 2, 2, 2],
    [1, 4, 2, 2, 2, 4, 5, 2],
    [6, 5, 5, 5, 5, 5, 5, 5],
    [6, 6, 5, 5, 5, 5, 5, 7],
    [1, 7, 5, 5, 5, 5, 5, 5],
];

/// A token still open where the scanned input stops; the scan resumes inside it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Open {
    #[default]
    None,
    /// A string, quoted name (`"…"`, `` `…` ``) or `[…]` name, closed by this byte.
    Quote(u8),
    /// A `/* … */` comment.
    Block,
    /// A `-- …` comment.
    Line,
}

/// `sqlite3_complete` over an input that only grows (a script, or a statement typed line by
/// line): [`Ends::scan`] reads what was appended since the last call and reports each `;` that
/// ends a statement, the same `;` at which `sqlite3_complete` of the statement so far would first
/// say it is complete.
#[derive(Clone, Debug, Default)]
pub(crate) struct Ends {
    /// Bytes of the input read so far.
    pos: usize,
    /// `complete.c`'s state.
    state: u8,
    /// A string or comment open at `pos`.
    open: Open,
    /// The input ends in a word, `-` or `/` that more input could continue: not read yet.
    partial: bool,
    /// A NUL byte in the current statement. `sqlite3_complete` cannot be given such text; the
    /// shell has always counted it as complete at its next `;`, so SQLite reports the problem.
    nul: bool,
}

/// `IdChar` of SQLite's tokenizer: letters, digits, `_`, `$` and every non-ASCII byte.
fn id_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// The token class of a word: the keywords the state machine cares about, else OTHER.
fn word_class(word: &[u8]) -> usize {
    const KEYWORDS: [(&[u8], usize); 6] = [
        (b"create", CREATE),
        (b"trigger", TRIGGER),
        (b"temp", TEMP),
        (b"temporary", TEMP),
        (b"end", END),
        (b"explain", EXPLAIN),
    ];
    KEYWORDS
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(word))
        .map_or(OTHER, |&(_, class)| class)
}

impl Ends {
    /// Reads `text[self.pos..]` (`text` is the input so far: what earlier calls saw, plus more)
    /// and calls `on_end` with the byte offset of each `;` that ends a statement.
    pub(crate) fn scan(&mut self, text: &str, mut on_end: impl FnMut(usize)) {
        let b = text.as_bytes();
        let len = b.len();
        let mut i = self.pos.min(len);
        self.partial = false;
        while i < len {
            // Inside a NUL-containing statement every `;` ends it, wherever it stands.
            if self.nul {
                match b[i..].iter().position(|&c| c == b';') {
                    Some(n) => {
                        on_end(i + n);
                        self.nul = false;
                        self.open = Open::None;
                        self.state = START;
                        i += n + 1;
                        continue;
                    }
                    None => {
                        i = len;
                        break;
                    }
                }
            }
            // Resume or finish an open token.
            let token = match self.open {
                Open::Quote(close) => match b[i..].iter().position(|&c| c == close || c == 0) {
                    Some(n) if b[i + n] == close => {
                        i += n + 1;
                        OTHER
                    }
                    Some(n) => {
                        i += n;
                        self.nul = true;
                        continue;
                    }
                    None => {
                        i = len;
                        break;
                    }
                },
                Open::Block => {
                    match b[i..].windows(2).position(|w| w == b"*/" || w[0] == 0) {
                        Some(n) if b[i + n] != 0 => {
                            i += n + 2;
                            WS
                        }
                        Some(n) => {
                            i += n;
                            self.nul = true;
                            continue;
                        }
                        None if b[len - 1] == 0 => {
                            i = len - 1;
                            self.nul = true;
                            continue;
                        }
                        None => {
                            // A `*` at the end may start the `*/`: read it again next time.
                            i = (len - 1).max(i);
                            break;
                        }
                    }
                }
                Open::Line => match b[i..].iter().position(|&c| c == b'\n' || c == 0) {
                    Some(n) if b[i + n] == b'\n' => {
                        i += n + 1;
                        WS
                    }
                    Some(n) => {
                        i += n;
                        self.nul = true;
                        continue;
                    }
                    None => {
                        i = len;
                        break;
                    }
                },
                Open::None => {
                    let c = b[i];
                    let next = b.get(i + 1).copied();
                    match c {
                        b';' => {
                            i += 1;
                            SEMI
                        }
                        b' ' | b'\r' | b'\t' | b'\n' | 0x0c => {
                            i += 1;
                            WS
                        }
                        0 => {
                            self.nul = true;
                            continue;
                        }
                        b'/' | b'-' if next.is_none() => {
                            // `/*` or `--` if more input follows.
                            self.partial = true;
                            break;
                        }
                        b'/' if next == Some(b'*') => {
                            self.open = Open::Block;
                            i += 2;
                            continue;
                        }
                        b'-' if next == Some(b'-') => {
                            self.open = Open::Line;
                            i += 2;
                            continue;
                        }
                        b'[' => {
                            self.open = Open::Quote(b']');
                            i += 1;
                            continue;
                        }
                        b'`' | b'"' | b'\'' => {
                            self.open = Open::Quote(c);
                            i += 1;
                            continue;
                        }
                        c if id_char(c) => {
                            let n = b[i..].iter().position(|&c| !id_char(c));
                            let Some(n) = n else {
                                // The word may go on in more input.
                                self.partial = true;
                                break;
                            };
                            let class = word_class(&b[i..i + n]);
                            i += n;
                            class
                        }
                        _ => {
                            i += 1;
                            OTHER
                        }
                    }
                }
            };
            self.open = Open::None;
            self.state = TRANS[usize::from(self.state)][token];
            if token == SEMI && self.state == START {
                on_end(i - 1);
            }
        }
        self.pos = i;
    }

    /// Whether the input scanned so far is complete as `sqlite3_complete` says (a statement's
    /// `;` last, then only whitespace and comments). Text that ends inside a `--` comment counts
    /// as SQLite 3.40 counts it (complete when the statement before it is); newer SQLite says
    /// no. Not meaningful for text with a NUL byte (see [`Ends`]).
    pub(crate) fn complete(&self) -> bool {
        !self.partial
            && !self.nul
            && matches!(self.open, Open::None | Open::Line)
            && self.state == START
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rewrite::is_complete;
    use proptest::prelude::*;

    fn ends(text: &str) -> Vec<usize> {
        let mut found = Vec::new();
        Ends::default().scan(text, |i| found.push(i));
        found
    }

    fn complete(text: &str) -> bool {
        let mut e = Ends::default();
        e.scan(text, |_| {});
        e.complete()
    }

    /// What `sqlite3_complete` says, asked at every `;` of each statement in turn (the
    /// splitter's rule before this module).
    fn ends_by_sqlite(text: &str) -> Vec<usize> {
        let mut found = Vec::new();
        let mut start = 0;
        for (i, _) in text.match_indices(';') {
            if i >= start && is_complete(&text[start..=i]) {
                found.push(i);
                start = i + 1;
            }
        }
        found
    }

    #[test]
    fn statement_ends() {
        assert_eq!(ends("SELECT 1; SELECT 2;"), vec![8, 18]);
        assert_eq!(ends("SELECT ';'; x"), vec![10]);
        assert_eq!(ends("SELECT \"a;b\", [c;d], `e;f`;"), vec![26]);
        assert_eq!(ends("SELECT 1 /* ; */ -- ;\n;"), vec![22]);
        assert_eq!(ends(";;"), vec![0, 1]);
        let trigger =
            "CREATE TEMP TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; SELECT ';'; END; SELECT 2;";
        assert_eq!(ends(trigger), ends_by_sqlite(trigger));
        assert_eq!(ends(trigger).len(), 2);
        // EXPLAIN CREATE TRIGGER is a trigger too; CREATE TABLE trigger(…) is not.
        assert_eq!(
            ends("EXPLAIN CREATE TRIGGER t BEGIN x; END; y;"),
            vec![37, 40]
        );
        assert_eq!(ends("CREATE TABLE end(a); y;"), vec![19, 22]);
    }

    #[test]
    fn unfinished_input() {
        assert!(complete("SELECT 1;"));
        assert!(complete("SELECT 1; -- done\n"));
        assert!(complete("SELECT 1; /* done */ "));
        assert!(!complete("SELECT 1"));
        assert!(!complete("SELECT ';"));
        assert!(!complete("SELECT 1; /* open"));
        assert!(!complete("SELECT 1; x"));
        assert!(!complete("CREATE TRIGGER t BEGIN SELECT 1;"));
        assert!(!complete(""));
        assert!(!complete(" -- only\n"));
    }

    #[test]
    fn a_nul_byte_ends_the_statement_at_the_next_semicolon() {
        for text in [
            "SELECT 'a\0b;c'; SELECT 2;",
            "x\0;y;",
            "/* \0 ; */;",
            "a;\0 b",
        ] {
            assert_eq!(ends(text), ends_by_sqlite(text), "{text:?}");
        }
    }

    #[test]
    fn a_long_statement_with_semicolons_in_strings() {
        let items: Vec<String> = (0..50_000).map(|i| format!("'{i};'")).collect();
        let text = format!(
            "SELECT 1 IN ({}); -- next\nSELECT ';'; CREATE TRIGGER t BEGIN {}; END;",
            items.join(", "),
            items.join("; ")
        );
        let found = ends(&text);
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(&text[found[0] - 1..=found[0]], ");");
        assert!(text[found[0] + 1..found[1]].ends_with("SELECT ';'"));
        assert_eq!(found[2], text.len() - 1);
    }

    /// Pieces that exercise every branch of the scanner.
    fn piece() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            ";",
            " ",
            "\n",
            "\t",
            "\r",
            "\x0c",
            "\x0b",
            "-",
            "--",
            "/",
            "*",
            "/*",
            "*/",
            "[",
            "]",
            "`",
            "\"",
            "'",
            "(",
            ")",
            "x",
            "é",
            "1",
            "$",
            "create",
            "CREATE",
            "temp",
            "temporary",
            "trigger",
            "TRIGGER",
            "end",
            "END",
            "explain",
            "begin",
            "endx",
            "\0",
        ])
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// Every `;` the scan reports is one where `sqlite3_complete` first says complete.
        #[test]
        fn same_ends_as_sqlite3_complete(pieces in prop::collection::vec(piece(), 0..24)) {
            let text = pieces.concat();
            prop_assert_eq!(ends(&text), ends_by_sqlite(&text));
        }

        /// Fed in chunks (a line at a time, or anywhere), the verdict and the ends are the same
        /// as `sqlite3_complete` on the whole text.
        #[test]
        fn resumes_anywhere(pieces in prop::collection::vec(piece(), 0..24), cuts in prop::collection::vec(0usize..64, 0..6)) {
            // Without NUL bytes: the shell does not ask the scan about those.
            let text = pieces.concat().replace('\0', "") + "\n";
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(text.len())).filter(|&c| text.is_char_boundary(c)).collect();
            cuts.sort_unstable();
            let mut e = Ends::default();
            let mut found = Vec::new();
            for c in cuts {
                e.scan(&text[..c], |i| found.push(i));
            }
            e.scan(&text, |i| found.push(i));
            prop_assert_eq!(e.complete(), is_complete(&text), "{:?}", text);
            prop_assert_eq!(found, ends_by_sqlite(&text));
        }
    }
}
