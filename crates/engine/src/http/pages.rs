//! Streaming the rows of one or more lists (an IN list fans out to several), page by page and in
//! order, with pages fetched concurrently.
//!
//! After a list's first page, when `Link rel="last"` gives the page count, pages 2..=last are
//! requested at once (all of them for a list of up to [`BURST_PAGES`] pages, else at most
//! `concurrency` in flight for this scan; the process-wide cap is in the client) and delivered
//! in page order; without `last`, `rel="next"` is followed. The first
//! pages (or single objects) of the IN fan-out go out concurrently too. A bounded channel between
//! the producer task and the SQLite cursor keeps memory at O(pages in flight); dropping the
//! stream (SQLite stopped reading) cancels whatever is still in flight.

use std::collections::{BTreeMap, HashSet};
use std::sync::Mutex;

use futures_util::stream::{self, FuturesUnordered, StreamExt};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use url::Url;

use super::client::{GitHubClient, RawPage};
use super::error::HttpError;
use super::runtime::{block_on, runtime};
use super::stop::Deadline;

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
    /// The method's fixed request headers (the document's `in: header` parameters).
    pub headers: Vec<(String, String)>,
    /// `Some` for a service with its own server (the registry): how it authenticates.
    pub server_auth: Option<crate::spec::ServerAuth>,
    /// A 404 fails the scan instead of giving no rows.
    pub not_found_is_error: bool,
    /// The statement's deadline: retry and rate-limit waits that would end after it fail at
    /// once (the fetching as a whole stops at it either way).
    pub deadline: Option<Deadline>,
}

impl Fetch {
    /// GETs one page or object through the client's request path; a service with its own
    /// server (the registry) adds its token handshake and digest checks.
    async fn get(&self, url: &Url) -> Result<RawPage, HttpError> {
        let stop = super::stop::Stop {
            interrupt: None,
            deadline: self.deadline,
        };
        let req = self
            .client
            .get_request(url)
            .headers(&self.headers)
            .scopes(&self.scopes)
            .stop(&stop);
        match self.server_auth {
            None => self.client.fetch_page(&req).await,
            Some(auth) => {
                super::registry::get(&self.client, &req, auth, self.not_found_is_error).await
            }
        }
    }
}

/// What a waiting scan asks, and how often (defined with [`Stop`](super::Stop)).
pub use super::stop::{InterruptCheck, INTERRUPT_POLL};

/// The consumer side: batches in order, then `None`.
pub struct PageStream {
    rx: mpsc::Receiver<Result<Batch, HttpError>>,
    task: JoinHandle<()>,
}

impl PageStream {
    /// Starts fetching in the background, with `GITHUB_SQL_DEADLINE` from now.
    pub fn start(fetch: Fetch, starts: Vec<Start>) -> PageStream {
        let deadline = Deadline::from_now(fetch.client.config().bounds.deadline);
        PageStream::start_until(fetch, starts, deadline)
    }

    /// Starts fetching in the background; the fetching fails at `deadline` (the statement's).
    pub fn start_until(fetch: Fetch, starts: Vec<Start>, deadline: Deadline) -> PageStream {
        // Room for a whole wave of pages: a reader busy decoding must not hold back the next
        // requests (the buffer is still bounded by the concurrency, not by the list's length).
        let (tx, rx) = mpsc::channel(fetch.client.config().concurrency.max(BURST_PAGES as usize));
        let task = runtime().spawn(produce(fetch, starts, tx, deadline));
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

/// Pages 2..=N of a list whose first page names its last one, produced lazily: N comes from
/// the server, so nothing is ever allocated from it (`page=18446744073709551615` is just a big
/// number that the page bound refuses).
#[derive(Clone, Debug)]
pub struct PageRange {
    template: Url,
    /// The last page to fetch (N, capped by what a LIMIT needs).
    pub last: u64,
}

impl PageRange {
    /// How many pages the range holds (pages 2..=last).
    pub fn len(&self) -> u64 {
        self.last.saturating_sub(1)
    }

    /// Whether there is no page after the first.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The URLs, one at a time.
    pub fn urls(&self) -> impl Iterator<Item = Url> + '_ {
        (2..=self.last).map(|k| with_page(&self.template, k))
    }
}

/// Pages 2..=N when the first page names the last one (N capped by what a LIMIT needs).
pub fn remaining_pages(
    first: &RawPage,
    first_len: u64,
    max_rows: Option<u64>,
) -> Option<PageRange> {
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
    Some(PageRange {
        template: last.clone(),
        last: n,
    })
}

/// What one scan has spent against its [`Bounds`](super::Bounds): pages, bytes, the `next`
/// URLs it followed, and its deadline.
struct Budget {
    bounds: super::Bounds,
    pages: u64,
    bytes: u64,
    seen: HashSet<Url>,
}

impl Budget {
    fn new(bounds: super::Bounds) -> Self {
        Budget {
            bounds,
            pages: 0,
            bytes: 0,
            seen: HashSet::new(),
        }
    }

    /// Counts one page about to be requested.
    fn page(&mut self, url: &Url) -> Result<(), HttpError> {
        self.pages += 1;
        if self.pages > self.bounds.max_pages {
            return Err(self.too_many_pages(format!("reading {}", path_q(url))));
        }
        Ok(())
    }

    fn too_many_pages(&self, what: String) -> HttpError {
        HttpError::Bound {
            bound: "pages per scan",
            env: super::config::MAX_PAGES_ENV,
            limit: format!("{} pages", self.bounds.max_pages),
            what,
        }
    }

    /// Reserves a whole known range of pages before any is requested.
    fn pages_ahead(&mut self, from: &RawPage, range: &PageRange) -> Result<(), HttpError> {
        if self.pages.saturating_add(range.len()) > self.bounds.max_pages {
            return Err(self.too_many_pages(format!(
                "GitHub's Link rel=\"last\" on {} announces {} pages",
                path_q(&from.url),
                range.last
            )));
        }
        Ok(())
    }

    /// Counts the bytes of a page that arrived.
    fn bytes(&mut self, page: &RawPage) -> Result<(), HttpError> {
        self.bytes = self.bytes.saturating_add(page.body.len() as u64);
        if self.bytes > self.bounds.max_scan_bytes {
            return Err(HttpError::Bound {
                bound: "bytes per scan",
                env: super::config::MAX_SCAN_ENV,
                limit: super::client::mib(self.bounds.max_scan_bytes),
                what: format!(
                    "the scan reached {} at {}",
                    path_q(&page.url),
                    super::client::mib(self.bytes)
                ),
            });
        }
        Ok(())
    }

    /// A `next` link to follow: refused when this scan already read that URL.
    fn follow(&mut self, from: &RawPage, next: &Url) -> Result<(), HttpError> {
        if next == &from.url || !self.seen.insert(next.clone()) {
            return Err(HttpError::LinkLoop {
                path: path_q(&from.url),
                next: path_q(next),
            });
        }
        Ok(())
    }
}

fn path_q(url: &Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    }
}

/// Runs the producer under the statement's deadline, and turns a panic in it into an error: a
/// producer that vanished would otherwise read as the end of the rows (a short result).
async fn produce(
    f: Fetch,
    starts: Vec<Start>,
    tx: mpsc::Sender<Result<Batch, HttpError>>,
    deadline: Deadline,
) {
    use futures_util::FutureExt as _;
    let bounds = f.client.config().bounds.clone();
    let run = std::panic::AssertUnwindSafe(produce_bounded(f, starts, tx.clone(), bounds));
    let at = tokio::time::Instant::from_std(deadline.at());
    let err = match tokio::time::timeout_at(at, run.catch_unwind()).await {
        Ok(Ok(())) => return,
        Ok(Err(_)) => HttpError::Bound {
            bound: "internal consistency",
            env: "GITHUB_SQL_LOG",
            limit: "no panic".into(),
            what: "github-sql hit an internal error while fetching pages (a bug; please report it)"
                .into(),
        },
        Err(_) => deadline.error(format!(
            "the statement was still reading GitHub after {:.1} s",
            deadline.start.elapsed().as_secs_f64()
        )),
    };
    let _ = tx.send(Err(err)).await;
}

async fn produce_bounded(
    f: Fetch,
    starts: Vec<Start>,
    tx: mpsc::Sender<Result<Batch, HttpError>>,
    bounds: super::Bounds,
) {
    let budget = Mutex::new(Budget::new(bounds));
    let budget = &budget;
    let fail = |e: HttpError| {
        let tx = tx.clone();
        async move {
            let _ = tx.send(Err(e)).await;
        }
    };
    let cap = f.client.config().concurrency.max(1);
    let fr = &f;
    let mut firsts = stream::iter(starts.into_iter().enumerate())
        .map(|(i, s)| async move {
            let url = match &s {
                Start::List(u) | Start::Object(u) => u.clone(),
            };
            if let Err(e) = spend(budget, |b| b.page(&url)) {
                return (i, Err(e));
            }
            (i, first(fr, s).await)
        })
        .buffered(cap);
    while let Some((source, res)) = firsts.next().await {
        let (page, single) = match res {
            // An absent package (or version) has no rows.
            Err(e) if e.is_not_found() && !f.not_found_is_error => continue,
            Err(e) => return fail(e).await,
            Ok(p) => p,
        };
        if let Err(e) = spend(budget, |b| b.bytes(&page)) {
            return fail(e).await;
        }
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
        if let Some(range) = &rest {
            if let Err(e) = spend(budget, |b| b.pages_ahead(&page, range)) {
                return fail(e).await;
            }
        }
        let mut next = match &page.next {
            Some(n) if rest.is_none() => {
                if let Err(e) = spend(budget, |b| b.follow(&page, n)) {
                    return fail(e).await;
                }
                Some(n.clone())
            }
            n => n.clone(),
        };
        lock(budget).seen.insert(page.url.clone());
        if !deliver(&tx, source, page, single).await {
            return;
        }
        if f.max_rows.is_some_and(|m| sent >= m) {
            continue;
        }
        if let Some(range) = rest {
            // Reserved in full above; counted here only for the byte bound.
            let cap = burst(cap, range.len());
            if !in_order(fr, source, range.urls(), cap, &tx, budget).await {
                return;
            }
            continue;
        }
        // No page count: follow `next` one page at a time.
        while let Some(url) = next.take() {
            if let Err(e) = spend(budget, |b| b.page(&url)) {
                return fail(e).await;
            }
            match f.get(&url).await {
                Ok(page) => {
                    if let Err(e) = spend(budget, |b| b.bytes(&page)) {
                        return fail(e).await;
                    }
                    if f.max_rows.is_some() {
                        sent += count_items(&page.body, f.object_key.as_deref());
                    }
                    if let Some(n) = &page.next {
                        if let Err(e) = spend(budget, |b| b.follow(&page, n)) {
                            return fail(e).await;
                        }
                    }
                    next = page.next.clone();
                    if !deliver(&tx, source, page, single).await {
                        return;
                    }
                    if f.max_rows.is_some_and(|m| sent >= m) {
                        break;
                    }
                }
                Err(e) => return fail(e).await,
            }
        }
    }
}

/// Pages of a list fetched all at once once its first page names the last: a list of up to
/// this many pages takes two round trips.
pub const BURST_PAGES: u64 = 20;

/// How many of a known range of `pages` go out at once: all of them for a list of up to
/// [`BURST_PAGES`] (GitHub allows 100 concurrent requests; with HTTP/2 they share one
/// connection), else the scan's `GITHUB_SQL_CONCURRENCY`. A concurrency of 1 means one at a time.
fn burst(cap: usize, pages: u64) -> usize {
    if cap > 1 && pages < BURST_PAGES {
        cap.max(pages as usize)
    } else {
        cap
    }
}

fn lock(b: &Mutex<Budget>) -> std::sync::MutexGuard<'_, Budget> {
    b.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `f` on the budget without holding its lock across an await.
fn spend<R>(b: &Mutex<Budget>, f: impl FnOnce(&mut Budget) -> R) -> R {
    f(&mut lock(b))
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
    urls: impl Iterator<Item = Url>,
    cap: usize,
    tx: &mpsc::Sender<Result<Batch, HttpError>>,
    budget: &Mutex<Budget>,
) -> bool {
    let mut pending = urls.enumerate();
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
        match res.and_then(|page| spend(budget, |b| b.bytes(&page)).map(|()| page)) {
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
            .urls()
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
        // A server-supplied count is never allocated: the largest page number is just a number.
        let huge = page(
            Some("http://h/x?per_page=100&page=2"),
            Some("http://h/x?per_page=100&page=18446744073709551615"),
        );
        let r = remaining_pages(&huge, 100, None).expect("known");
        assert_eq!(r.len(), u64::MAX - 1);
        assert_eq!(
            r.urls().nth(1).map(|u| u.to_string()).as_deref(),
            Some("http://h/x?per_page=100&page=3")
        );
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
