//! Wide results on a terminal: the terminal's size, and the pager (`$PAGER`, run like `less -S`)
//! that shows a result wider or taller than the screen. Never used when output is not a terminal.

use std::io::{self, Write};
use std::process::{Command, Stdio};

/// The environment variable that chooses the shell's pager before `PAGER`.
pub const PAGER_ENV: &str = "GITHUB_SQL_PAGER";

/// The terminal's (columns, rows) for stdout, from the tty or `COLUMNS`/`LINES`.
pub fn terminal_size() -> Option<(usize, usize)> {
    // SAFETY: TIOCGWINSZ fills the zeroed winsize; a non-tty stdout just fails the call.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) } == 0;
    if ok && ws.ws_col > 0 {
        return Some((usize::from(ws.ws_col), usize::from(ws.ws_row.max(1))));
    }
    let env = |v: &str| {
        std::env::var(v)
            .ok()
            .and_then(|s| s.trim().parse::<usize>().ok())
    };
    Some((env("COLUMNS")?, env("LINES").unwrap_or(24)))
}

/// The pager the environment asks for: `GITHUB_SQL_PAGER`, else `PAGER`; empty or `off` is none.
pub fn pager_from_env() -> Option<String> {
    [PAGER_ENV, "PAGER"]
        .iter()
        .find_map(|v| std::env::var(v).ok())
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty() && p != "off")
}

/// Width (in characters) of the widest line, and the number of lines.
pub fn extent(text: &str) -> (usize, usize) {
    text.lines()
        .fold((0, 0), |(w, n), l| (w.max(l.chars().count()), n + 1))
}

/// Shows `text` through `command` (run by `sh -c`), waiting for it to exit. `less` gets `-SRFX`
/// through `LESS` unless the user set their own: chopped long lines, and no pager at all for
/// output that fits.
pub fn page(command: &str, text: &str) -> io::Result<()> {
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(command).stdin(Stdio::piped());
    if std::env::var_os("LESS").is_none() {
        cmd.env("LESS", "-SRFX");
    }
    let mut child = cmd.spawn().map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("cannot run the pager {command:?}: {e}; .pager off turns it off"),
        )
    })?;
    if let Some(mut stdin) = child.stdin.take() {
        // The user may quit the pager before reading everything.
        match stdin.write_all(text.as_bytes()) {
            Err(e) if e.kind() != io::ErrorKind::BrokenPipe => return Err(e),
            _ => {}
        }
    }
    child.wait()?;
    Ok(())
}
