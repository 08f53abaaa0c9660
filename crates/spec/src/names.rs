//! Table and SQL function names for the loaded services, so that nothing collides.
//!
//! - Every resource has the table `<service>_<resource>` ([`Resource::qualified`]).
//! - Its bare name (`secrets`) is its table name only when no other loaded service has a
//!   resource of that name; a bare name several services share names no table, and
//!   [`Provider::ambiguity`](super::Provider::ambiguity) explains which tables to use.
//! - An EXEC method's SQL function is its method name when that is unique among EXEC methods,
//!   tables and built-in functions; else `<service>_<method>`, else
//!   `<service>_<resource>_<method>`. What still collides is listed as not served.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use super::model::{Service, Unserved};

/// Functions github-sql itself registers on every connection (SQLite compares case-insensitively).
const BUILTIN_FUNCTIONS: [&str; 4] = [
    "github_sql_version",
    "github_sql_confirm_deletes",
    "github_sql_last_writes",
    "regexp",
];
/// Table names the metadata tables take.
const META_TABLES: [&str; 5] = [
    "github_sql_services",
    "github_sql_resources",
    "github_sql_columns",
    "github_sql_methods",
    "github_sql_unserved",
];

/// Sets every resource's table name and every EXEC method's function name; returns the bare
/// names several services share, with the ids of their resources.
pub(super) fn assign(
    services: &mut [Service],
    unserved: &mut Vec<Unserved>,
) -> BTreeMap<String, Vec<String>> {
    let lower = |s: &str| s.to_ascii_lowercase();
    // Qualified names first: they always exist, so a later duplicate is what gets dropped.
    let mut qualified: HashSet<String> = META_TABLES.iter().map(|s| s.to_string()).collect();
    for s in services.iter_mut() {
        let service = s.name.clone();
        s.resources.retain(|r| {
            if qualified.insert(lower(&r.qualified)) {
                return true;
            }
            unserved.push(Unserved {
                service: service.clone(),
                resource: r.resource_name.clone(),
                method: None,
                verb: String::new(),
                reason: format!(
                    "its qualified table name {} is already taken (by a service and resource whose names join to the same text); rename the service or the resource",
                    r.qualified
                ),
            });
            false
        });
    }
    let mut by_bare: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in services.iter().flat_map(|s| s.resources.iter()) {
        by_bare
            .entry(lower(&r.resource_name))
            .or_default()
            .push(r.id.clone());
    }
    let mut tables: HashSet<String> = qualified.clone();
    for s in services.iter_mut() {
        for r in s.resources.iter_mut() {
            let bare = lower(&r.resource_name);
            let unique = by_bare.get(&bare).is_some_and(|ids| ids.len() == 1);
            // A bare name equal to another resource's qualified name would shadow it.
            let shadows = bare != lower(&r.qualified) && qualified.contains(&bare);
            let name = if unique && !shadows {
                r.resource_name.clone()
            } else {
                r.qualified.clone()
            };
            tables.insert(lower(&name));
            Arc::make_mut(r).name = name;
        }
    }
    by_bare.retain(|_, ids| ids.len() > 1);

    // EXEC functions.
    let mut count: HashMap<String, usize> = HashMap::new();
    let mut count_in_service: HashMap<(String, String), usize> = HashMap::new();
    for s in services.iter() {
        for r in &s.resources {
            for &i in &r.exec {
                let m = lower(&r.methods[i].name);
                *count.entry(m.clone()).or_default() += 1;
                *count_in_service.entry((lower(&s.name), m)).or_default() += 1;
            }
        }
    }
    let mut taken: HashSet<String> = tables;
    taken.extend(BUILTIN_FUNCTIONS.iter().map(|s| s.to_string()));
    for s in services.iter_mut() {
        let service = s.name.clone();
        for r in s.resources.iter_mut() {
            let mut dropped = Vec::new();
            let res = Arc::make_mut(r);
            for &i in &res.exec {
                let m = &res.methods[i].name;
                let plain_ok = count.get(&lower(m)) == Some(&1);
                let in_service_ok = count_in_service.get(&(lower(&service), lower(m))) == Some(&1);
                let candidates = [
                    (plain_ok, m.clone()),
                    (in_service_ok, format!("{service}_{m}")),
                    (true, format!("{service}_{}_{m}", res.resource_name)),
                ];
                let chosen = candidates
                    .into_iter()
                    .find(|(ok, c)| *ok && !taken.contains(&lower(c)))
                    .map(|(_, c)| c);
                match chosen {
                    Some(f) => {
                        taken.insert(lower(&f));
                        res.methods[i].function = f;
                    }
                    None => dropped.push(i),
                }
            }
            for &i in &dropped {
                unserved.push(Unserved {
                    service: service.clone(),
                    resource: res.resource_name.clone(),
                    method: Some(res.methods[i].name.clone()),
                    verb: "exec".into(),
                    reason: format!(
                        "no free SQL function name for it ({m}, {service}_{m} and {service}_{r}_{m} are all taken)",
                        m = res.methods[i].name,
                        r = res.resource_name
                    ),
                });
            }
            res.exec.retain(|i| !dropped.contains(i));
        }
    }
    by_bare
}
