//! Repositories and GitHub Actions workflow runs, served as [`JsonRoute`]s.
//!
//! The packages of the store name their repository ([`Package::repository`]); these builders add
//! what GitHub answers for it: `GET /repos/{owner}/{repo}`, the owner's repository lists
//! (`/user/repos`, `/users/{username}/repos`, `/orgs/{org}/repos`) and the repository's workflow
//! runs (`/repos/{owner}/{repo}/actions/runs`, one run by id, and the runs of one workflow), so
//! that queries can join packages with repositories and Actions and get coherent answers.
//!
//! [`Package::repository`]: crate::Package::repository

use serde_json::{json, Value};

use super::store::{
    digest, mix_str, JsonRoute, Owner, OwnerKind, Store, AUTHENTICATED_USER, BASE_URL,
};

/// A repository of one owner, as [`Store::add_repository`] serves it.
#[derive(Clone, Debug)]
pub struct Repository {
    /// Login of the owner (registered in the store).
    pub owner: String,
    /// Repository name.
    pub name: String,
    /// `public`, `private` or `internal` (`private` is then true unless `public`).
    pub visibility: String,
    /// Archived repositories are read-only.
    pub archived: bool,
    /// Shown as is (`null` when `None`).
    pub description: Option<String>,
    /// Main language.
    pub language: Option<String>,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// RFC 3339 UTC: the last push.
    pub pushed_at: String,
    /// RFC 3339 UTC: the last change of the repository object (archiving is one).
    pub updated_at: String,
}

impl Repository {
    /// A public, unarchived repository created, pushed and updated at `created_at`.
    pub fn new(owner: &str, name: &str, created_at: &str) -> Repository {
        Repository {
            owner: owner.to_string(),
            name: name.to_string(),
            visibility: "public".to_string(),
            archived: false,
            description: None,
            language: None,
            created_at: created_at.to_string(),
            pushed_at: created_at.to_string(),
            updated_at: created_at.to_string(),
        }
    }

    /// `owner/name`.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }
}

/// One workflow run, as [`Store::add_workflow_runs`] serves it.
#[derive(Clone, Debug)]
pub struct WorkflowRun {
    /// Run id (unique store-wide is up to the caller).
    pub id: i64,
    /// The workflow's name, e.g. `Docker`.
    pub name: String,
    /// The workflow file, e.g. `.github/workflows/docker.yml`.
    pub path: String,
    /// The workflow's id.
    pub workflow_id: i64,
    /// Per-workflow run number.
    pub run_number: i64,
    /// `push`, `pull_request`, `schedule`, …
    pub event: String,
    /// Branch (or tag) the run is for.
    pub head_branch: String,
    /// The 40-hex commit the run built.
    pub head_sha: String,
    /// The head commit's message (its first line is the run's `display_title`).
    pub message: String,
    /// `queued`, `in_progress` or `completed`.
    pub status: String,
    /// `success`, `failure`, `cancelled`, … (`None` until completed).
    pub conclusion: Option<String>,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// RFC 3339 UTC.
    pub updated_at: String,
}

/// A deterministic 40-hex commit id derived from `seed`.
pub fn commit_sha(seed: &str) -> String {
    digest(seed)
        .trim_start_matches("sha256:")
        .chars()
        .take(40)
        .collect()
}

/// The id GitHub would give `owner/name` here: the same in package and repository answers.
pub fn repository_id(full_name: &str) -> i64 {
    100_000 + (mix_str(full_name) % 900_000) as i64
}

/// GitHub's simple-user object, with `base` in front of its API URL.
pub(crate) fn owner_json(base: &str, owner: &Owner) -> Value {
    let (kind, prefix) = match owner.kind {
        OwnerKind::User => ("User", "U"),
        OwnerKind::Organization => ("Organization", "O"),
    };
    json!({
        "login": owner.login,
        "id": owner.id,
        "node_id": format!("{prefix}_kgDO{:08X}", owner.id),
        "avatar_url": format!("https://avatars.githubusercontent.com/u/{}?v=4", owner.id),
        "gravatar_id": "",
        "url": format!("{base}/users/{}", owner.login),
        "html_url": format!("https://github.com/{}", owner.login),
        "type": kind,
        "site_admin": false,
    })
}

/// The minimal-repository object GitHub embeds in packages and workflow runs, abbreviated.
pub(crate) fn minimal_repository_json(
    base: &str,
    owner: &Owner,
    name: &str,
    private: bool,
) -> Value {
    let full = format!("{}/{name}", owner.login);
    let id = repository_id(&full);
    json!({
        "id": id,
        "node_id": format!("R_kgDO{id:08X}"),
        "name": name,
        "full_name": full,
        "private": private,
        "owner": owner_json(base, owner),
        "html_url": format!("https://github.com/{full}"),
        "description": null,
        "fork": false,
        "url": format!("{base}/repos/{full}"),
    })
}

/// The full-repository object of `GET /repos/{owner}/{repo}`, its usual fields.
fn repository_json(owner: &Owner, r: &Repository) -> Value {
    let mut v = minimal_repository_json(BASE_URL, owner, &r.name, r.visibility != "public");
    let full = r.full_name();
    let api = format!("{BASE_URL}/repos/{full}");
    let extra = json!({
        "description": r.description,
        "archive_url": format!("{api}/{{archive_format}}{{/ref}}"),
        "hooks_url": format!("{api}/hooks"),
        "releases_url": format!("{api}/releases{{/id}}"),
        "created_at": r.created_at,
        "updated_at": r.updated_at,
        "pushed_at": r.pushed_at,
        "git_url": format!("git://github.com/{full}.git"),
        "ssh_url": format!("git@github.com:{full}.git"),
        "clone_url": format!("https://github.com/{full}.git"),
        "homepage": null,
        "size": 100 + mix_str(&full) % 5000,
        "stargazers_count": mix_str(&format!("{full}*")) % 40,
        "watchers_count": mix_str(&format!("{full}*")) % 40,
        "language": r.language,
    });
    let flags = json!({
        "has_issues": true,
        "has_projects": true,
        "has_downloads": true,
        "has_wiki": false,
        "has_pages": false,
        "has_discussions": false,
        "forks_count": 0,
        "mirror_url": null,
        "archived": r.archived,
        "disabled": false,
        "open_issues_count": mix_str(&format!("{full}#")) % 12,
        "license": null,
        "allow_forking": r.visibility == "public",
        "is_template": false,
        "web_commit_signoff_required": false,
        "topics": [],
        "visibility": r.visibility,
        "forks": 0,
        "open_issues": mix_str(&format!("{full}#")) % 12,
        "watchers": mix_str(&format!("{full}*")) % 40,
        "default_branch": "main",
        "permissions": {"admin": true, "maintain": true, "push": true, "triage": true, "pull": true},
    });
    for part in [extra, flags] {
        if let (Some(m), Value::Object(e)) = (v.as_object_mut(), part) {
            m.extend(e);
        }
    }
    v
}

fn run_json(owner: &Owner, repo: &Repository, run: &WorkflowRun) -> Value {
    let full = repo.full_name();
    let api = format!("{BASE_URL}/repos/{full}/actions/runs/{}", run.id);
    let actor = owner_json(BASE_URL, owner);
    let minimal = minimal_repository_json(BASE_URL, owner, &repo.name, repo.visibility != "public");
    let title = run.message.lines().next().unwrap_or_default();
    let author =
        json!({"name": owner.login, "email": format!("{}@users.noreply.github.com", owner.login)});
    json!({
        "id": run.id,
        "name": run.name,
        "node_id": format!("WFR_kwLO{:08X}", run.id),
        "head_branch": run.head_branch,
        "head_sha": run.head_sha,
        "path": run.path,
        "display_title": title,
        "run_number": run.run_number,
        "event": run.event,
        "status": run.status,
        "conclusion": run.conclusion,
        "workflow_id": run.workflow_id,
        "check_suite_id": run.id * 3 + 1,
        "check_suite_node_id": format!("CS_kwDO{:08X}", run.id * 3 + 1),
        "url": api,
        "html_url": format!("https://github.com/{full}/actions/runs/{}", run.id),
        "pull_requests": [],
        "created_at": run.created_at,
        "updated_at": run.updated_at,
        "actor": actor,
        "run_attempt": 1,
        "referenced_workflows": [],
        "run_started_at": run.created_at,
        "triggering_actor": actor,
        "jobs_url": format!("{api}/jobs"),
        "logs_url": format!("{api}/logs"),
        "check_suite_url": format!("{BASE_URL}/repos/{full}/check-suites/{}", run.id * 3 + 1),
        "artifacts_url": format!("{api}/artifacts"),
        "cancel_url": format!("{api}/cancel"),
        "rerun_url": format!("{api}/rerun"),
        "previous_attempt_url": null,
        "workflow_url": format!("{BASE_URL}/repos/{full}/actions/workflows/{}", run.workflow_id),
        "head_commit": {
            "id": run.head_sha,
            "tree_id": commit_sha(&format!("tree {}", run.head_sha)),
            "message": run.message,
            "timestamp": run.created_at,
            "author": author,
            "committer": author,
        },
        "repository": minimal,
        "head_repository": minimal,
    })
}

impl Store {
    /// Serves `repo`: `GET /repos/{owner}/{repo}`, and a row in its owner's repository list
    /// (`/users/{username}/repos` by full name, also `/user/repos` for the authenticated user;
    /// `/orgs/{org}/repos` newest first, GitHub's default orders). The owner is registered as a
    /// user if unknown. Call [`Store::add_workflow_runs`] to give it runs; until then its run
    /// list is empty, as GitHub's is for a repository without workflows.
    pub fn add_repository(&mut self, repo: Repository) -> &mut Self {
        if self.owner(&repo.owner).is_none() {
            self.add_user(&repo.owner);
        }
        let Some(owner) = self.owner(&repo.owner).cloned() else {
            return self;
        };
        let full = format!("{}/{}", owner.login, repo.name);
        let body = repository_json(&owner, &repo);
        self.add_json_route(
            "GET",
            &format!("/repos/{full}"),
            JsonRoute::Object(body.clone()),
        );
        let mut lists = vec![match owner.kind {
            OwnerKind::User => format!("/users/{}/repos", owner.login),
            OwnerKind::Organization => format!("/orgs/{}/repos", owner.login),
        }];
        if owner.login.eq_ignore_ascii_case(AUTHENTICATED_USER) {
            lists.push("/user/repos".to_string());
        }
        for path in lists {
            let mut items = match self.json_route("GET", &path) {
                Some(JsonRoute::List { items, .. }) => items.clone(),
                _ => Vec::new(),
            };
            items.push(body.clone());
            let by = |v: &Value, k: &str| v[k].as_str().unwrap_or_default().to_string();
            match owner.kind {
                OwnerKind::User => items.sort_by_key(|v| by(v, "full_name")),
                OwnerKind::Organization => {
                    items.sort_by_key(|v| std::cmp::Reverse(by(v, "created_at")))
                }
            }
            let wrap = Vec::new();
            self.add_json_route("GET", &path, JsonRoute::List { items, wrap });
        }
        let runs = format!("/repos/{full}/actions/runs");
        if self.json_route("GET", &runs).is_none() {
            let wrap = vec!["workflow_runs".to_string()];
            let items = Vec::new();
            self.add_json_route("GET", &runs, JsonRoute::List { items, wrap });
        }
        self
    }

    /// Serves the workflow runs of `repo` (added with [`Store::add_repository`] or not):
    /// `GET /repos/{owner}/{repo}/actions/runs` (`{total_count, workflow_runs}`, newest first,
    /// paged), `…/actions/runs/{run_id}` and `…/actions/workflows/{workflow_id}/runs`.
    pub fn add_workflow_runs(&mut self, repo: &Repository, runs: &[WorkflowRun]) -> &mut Self {
        if self.owner(&repo.owner).is_none() {
            self.add_user(&repo.owner);
        }
        let Some(owner) = self.owner(&repo.owner).cloned() else {
            return self;
        };
        let full = format!("{}/{}", owner.login, repo.name);
        let mut runs: Vec<&WorkflowRun> = runs.iter().collect();
        runs.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        let rows: Vec<(i64, Value)> = runs
            .iter()
            .map(|r| (r.workflow_id, run_json(&owner, repo, r)))
            .collect();
        for (_, row) in &rows {
            let path = format!("/repos/{full}/actions/runs/{}", row["id"]);
            self.add_json_route("GET", &path, JsonRoute::Object(row.clone()));
        }
        let wrap = vec!["workflow_runs".to_string()];
        let mut workflows: Vec<i64> = rows.iter().map(|(w, _)| *w).collect();
        workflows.sort_unstable();
        workflows.dedup();
        for w in workflows {
            let items = rows
                .iter()
                .filter(|(id, _)| *id == w)
                .map(|(_, v)| v.clone())
                .collect();
            let path = format!("/repos/{full}/actions/workflows/{w}/runs");
            let wrap = wrap.clone();
            self.add_json_route("GET", &path, JsonRoute::List { items, wrap });
        }
        let items = rows.into_iter().map(|(_, v)| v).collect();
        let path = format!("/repos/{full}/actions/runs");
        self.add_json_route("GET", &path, JsonRoute::List { items, wrap });
        self
    }
}
