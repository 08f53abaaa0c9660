//! Streaming the rows of one or more lists (an IN list fans out to several), page by page and in
//! order, with pages fetched concurrently.
//!
//! After a list's first page, when `Link rel="last"` gives the page count, pages 2..=last are
//! requested at once (at most `concurrency` in flight for this scan; the process-wide cap is in
//! the client) and delivered in page order; without `last`, `rel="next"` is followed. The first
//! pages (or single objects) of the IN fan-out go out concurrently too. A bounded channel between
//! the producer task and the SQLite cursor keeps memory at O(pages in flight); dropping the
//! stream (SQLite stopped reading) cancels whatever is still in flight.

use std::collections::BTreeMap;

use futures_util::stream::{self, FuturesUnordered, StreamExt};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use url::Url;

use super::client::{GitHubClient, RawPage};
use super::error::HttpError;
use super::runtime::{block_on, runtime};

/// Where one source of rows starts.
#[derive(Clone, Debug)]
pub enum Start {
    /// A paginated list: its first page's URL.
    List(Url),
    /// A single object (a get): one row.
    Object(Url),
}

/// One fetched page (or object), tagged with the index of the [`Start`] it came from. Its body
/// is decoded by the reader, off the fetching task.
#[derive(Debug)]
pub struct Batch {
    /// Index into the starts.
    pub source: usize,
    /// The page, undecoded.
    pub page: RawPage,
    /// Whether the body is one object (a get) rather than a list.
    pub single: bool,
}

/// What a scan needs to know to fetch.
#[derive(Clone, Debug)]
pub struct Fetch {
    /// The client.
    pub client: GitHubClient,
    /// Key of the array in a wrapping object.
    pub object_key: Option<String>,
    /// Scopes to name in a 403.
    pub scopes: Vec<String>,
    /// Rows needed per source, when a LIMIT was pushed down.
    pub max_rows: Option<u64>,
    /// The method's fixed request headers (sent by services with their own server).
    pub headers: Vec<(String, String)>,
    /// `Some` for a service with its own server (the registry): how it authenticates.
    pub server_auth: Option<crate::spec::ServerAuth>,
    /// A 404 fails the scan instead of giving no rows.
    pub not_found_is_error: bool,
}

impl Fetch {
    /// GETs one page or object, through the REST client or the registry's request path.
    async fn get(&self, url: &Url) -> Result<RawPage, HttpError> {
        match self.server_auth {
            None => self.client.get_raw_page_async(url, &self.scopes).await,
            Some(auth) => {
                let req = super::registry::Request {
                    headers: &self.headers,
                    auth,
                    not_found_is_error: self.not_found_is_error,
                };
                super::registry::get(&self.client, url, &req, &self.scopes).await
            }
        }
    }
}

/// Asked while a scan waits for GitHub: true means "stop now" (SQLite's `sqlite3_interrupt`,
/// Ctrl-C in the shell, Postgres's cancel and `statement_timeout`).
pub type InterruptCheck = std::sync::Arc<dyn Fn() -> bool + Send + Sync>;

/// How often a waiting scan asks its [`InterruptCheck`].
pub const INTERRUPT_POLL: std::time::Duration = std::time::Duration::from_millis(100);

/// The consumer side: batches in order, then `None`.
pub struct PageStream {
    rx: mpsc::Receiver<Result<Batch, HttpError>>,
    task: JoinHandle<()>,
}

impl PageStream {
    /// Starts fetching in the background.
    pub fn start(fetch: Fetch, starts: Vec<Start>) -> PageStream {
        // Room for a whole wave of pages: a reader busy decoding must not hold back the next
        // requests (the buffer is still bounded by the concurrency, not by the list's length).
        let (tx, rx) = mpsc::channel(fetch.client.config().concurrency.max(1));
        let task = runtime().spawn(produce(fetch, starts, tx));
        PageStream { rx, task }
    }

    /// The next batch (blocking); `None` when every source is exhausted.
    ///
    /// With an interrupt check, the wait wakes every [`INTERRUPT_POLL`] to ask it; when it says
    /// stop, whatever is in flight is cancelled and the answer is [`HttpError::Interrupted`]
    /// (never a silent end of the rows). The check runs on the caller's thread, outside the
    /// runtime, so a front end may raise its own error from it (Postgres's interrupt check).
    pub fn next_batch(
        &mut self,
        interrupt: Option<&InterruptCheck>,
    ) -> Option<Result<Batch, HttpError>> {
        let Some(check) = interrupt else {
            return block_on(self.rx.recv());
        };
        loop {
            if check() {
                self.task.abort();
                return Some(Err(HttpError::Interrupted));
            }
            let rx = &mut self.rx;
            if let Ok(v) = block_on(async { tokio::time::timeout(INTERRUPT_POLL, rx.recv()).await })
            {
                return v;
            }
        }
    }
}

impl Drop for PageStream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn first(f: &Fetch, start: Start) -> Result<(RawPage, bool), HttpError> {
    match start {
        Start::List(url) => f.get(&url).await.map(|p| (p, false)),
        Start::Object(url) => f.get(&url).await.map(|p| (p, true)),
    }
}

/// Rows on a page, counted without building them: the top-level array's elements.
fn count_items(body: &[u8], object_key: Option<&str>) -> u64 {
    if let Some(k) = object_key {
        // Wrapped arrays are rare; decode to count.
        return serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|v| v.get(k).and_then(Value::as_array).map(|a| a.len() as u64))
            .unwrap_or(0);
    }
    serde_json::from_slice::<Vec<&serde_json::value::RawValue>>(body)
        .map(|v| v.len() as u64)
        .unwrap_or(0)
}

fn page_number(url: &Url, key: &str) -> Option<u64> {
    url.query_pairs()
        .find(|(k, _)| k == key)
        .and_then(|(_, v)| v.parse().ok())
}

fn with_page(url: &Url, n: u64) -> Url {
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "page" {
                n.to_string()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    let mut u = url.clone();
    u.query_pairs_mut().clear().extend_pairs(pairs);
    u
}

/// URLs of pages 2..=N when the first page names the last one (N capped by what a LIMIT needs).
pub fn remaining_pages(first: &RawPage, first_len: u64, max_rows: Option<u64>) -> Option<Vec<Url>> {
    let last = first.last.as_ref()?;
    let next = first.next.as_ref()?;
    let n = page_number(last, "page")?;
    // Only when `next` is page 2 of the same list do we trust the numbering.
    if page_number(next, "page") != Some(2) || with_page(last, 2) != *next {
        return None;
    }
    let n = match max_rows {
        Some(max) if first_len > 0 => n.min(max.div_ceil(first_len)),
        _ => n,
    };
    Some((2..=n).map(|k| with_page(last, k)).collect())
}

async fn produce(f: Fetch, starts: Vec<Start>, tx: mpsc::Sender<Result<Batch, HttpError>>) {
    let cap = f.client.config().concurrency.max(1);
    let fr = &f;
    let mut firsts = stream::iter(starts.into_iter().enumerate())
        .map(|(i, s)| async move { (i, first(fr, s).await) })
        .buffered(cap);
    while let Some((source, res)) = firsts.next().await {
        let (page, single) = match res {
            // An absent package (or version) has no rows.
            Err(e) if e.is_not_found() && !f.not_found_is_error => continue,
            Err(e) => {
                let _ = tx.send(Err(e)).await;
                return;
            }
            Ok(p) => p,
        };
        if single {
            if !deliver(&tx, source, page, single).await {
                return;
            }
            continue;
        }
        let first_len = if f.max_rows.is_some() {
            count_items(&page.body, f.object_key.as_deref())
        } else {
            0
        };
        let mut sent = first_len;
        let rest = remaining_pages(&page, first_len, f.max_rows);
        let mut next = page.next.clone();
        if !deliver(&tx, source, page, single).await {
            return;
        }
        if f.max_rows.is_some_and(|m| sent >= m) {
            continue;
        }
        if let Some(urls) = rest {
            if !in_order(fr, source, urls, cap, &tx).await {
                return;
            }
            continue;
        }
        // No page count: follow `next` one page at a time.
        while let Some(url) = next.take() {
            match f.get(&url).await {
                Ok(page) => {
                    if f.max_rows.is_some() {
                        sent += count_items(&page.body, f.object_key.as_deref());
                    }
                    next = page.next.clone();
                    if !deliver(&tx, source, page, single).await {
                        return;
                    }
                    if f.max_rows.is_some_and(|m| sent >= m) {
                        break;
                    }
                }
                Err(e) => {
                    let _ = tx.send(Err(e)).await;
                    return;
                }
            }
        }
    }
}

/// Sends one page on to the reader; false when the reader is gone.
async fn deliver(
    tx: &mpsc::Sender<Result<Batch, HttpError>>,
    source: usize,
    page: RawPage,
    single: bool,
) -> bool {
    tx.send(Ok(Batch {
        source,
        page,
        single,
    }))
    .await
    .is_ok()
}

/// Fetches `urls` with up to `cap` in flight, starting the next request as soon as any one
/// finishes (no head-of-line wait), and delivers the pages in order. At most `2·cap` pages are
/// held at once (in flight plus waiting for an earlier one). False: stop (error sent or reader gone).
async fn in_order(
    f: &Fetch,
    source: usize,
    urls: Vec<Url>,
    cap: usize,
    tx: &mpsc::Sender<Result<Batch, HttpError>>,
) -> bool {
    let mut pending = urls.into_iter().enumerate();
    let mut in_flight = FuturesUnordered::new();
    let mut ready: BTreeMap<usize, RawPage> = BTreeMap::new();
    let mut next_out = 0;
    loop {
        while in_flight.len() < cap && ready.len() + in_flight.len() < 2 * cap {
            let Some((i, url)) = pending.next() else {
                break;
            };
            in_flight.push(async move { (i, f.get(&url).await) });
        }
        let Some((i, res)) = in_flight.next().await else {
            return true;
        };
        match res {
            Ok(page) => {
                ready.insert(i, page);
            }
            Err(e) => {
                let _ = tx.send(Err(e)).await;
                return false;
            }
        }
        while let Some(page) = ready.remove(&next_out) {
            if !deliver(tx, source, page, false).await {
                return false;
            }
            next_out += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).expect("url")
    }

    fn page(next: Option<&str>, last: Option<&str>) -> RawPage {
        RawPage {
            url: u("http://h/x"),
            body: Vec::new().into(),
            next: next.map(u),
            last: last.map(u),
            headers: Vec::new(),
        }
    }

    #[test]
    fn items_are_counted_without_decoding() {
        assert_eq!(count_items(br#"[{"a": [1, {"b": 2}]}, {}, 3]"#, None), 3);
        assert_eq!(count_items(br#"{"items": [1, 2]}"#, Some("items")), 2);
        assert_eq!(count_items(b"oops", None), 0);
    }

    #[test]
    fn page_urls_come_from_last() {
        let p = page(
            Some("http://h/x?per_page=100&page=2"),
            Some("http://h/x?per_page=100&page=4"),
        );
        let urls: Vec<String> = remaining_pages(&p, 100, None)
            .expect("known")
            .iter()
            .map(|u| u.to_string())
            .collect();
        assert_eq!(
            urls,
            vec![
                "http://h/x?per_page=100&page=2",
                "http://h/x?per_page=100&page=3",
                "http://h/x?per_page=100&page=4"
            ]
        );
        // A LIMIT of 150 rows needs two pages of 100.
        assert_eq!(remaining_pages(&p, 100, Some(150)).expect("known").len(), 1);
    }

    #[test]
    fn unfamiliar_links_fall_back_to_next() {
        assert!(remaining_pages(&page(Some("http://h/x?page=2"), None), 30, None).is_none());
        assert!(remaining_pages(
            &page(Some("http://h/x?cursor=abc"), Some("http://h/x?cursor=zzz")),
            30,
            None
        )
        .is_none());
        assert!(remaining_pages(
            &page(Some("http://h/x?page=3"), Some("http://h/x?page=9")),
            30,
            None
        )
        .is_none());
        assert!(remaining_pages(&page(None, None), 30, None).is_none());
    }
}
