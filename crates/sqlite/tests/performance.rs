//! The request counts that performance rests on (timings live in benches/, not here): LIMIT
//! pushdown, IN lists in one scan, conditional requests and their invalidation.

mod common;

use common::{env, env_with, store, Env};

const BIG: &str = "FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'big'";

fn gets(e: &Env) -> Vec<String> {
    e.requests_of("GET")
}

#[test]
fn limit_is_pushed_down_as_a_page_size_and_a_page_count() {
    let e = env(store());
    assert_eq!(
        e.ids(&format!("SELECT id {BIG} LIMIT 5")).expect("q").len(),
        5
    );
    assert_eq!(
        gets(&e),
        vec!["GET /user/packages/npm/big/versions?per_page=5"]
    );
    e.fake.clear_requests();
    assert_eq!(
        e.ids(&format!("SELECT id {BIG} LIMIT 150"))
            .expect("q")
            .len(),
        150
    );
    let mut g = gets(&e);
    g.sort();
    assert_eq!(
        g,
        vec![
            "GET /user/packages/npm/big/versions?per_page=100",
            "GET /user/packages/npm/big/versions?per_page=100&page=2"
        ]
    );
    e.fake.clear_requests();
    assert_eq!(
        e.ids(&format!("SELECT id {BIG} LIMIT 10 OFFSET 95"))
            .expect("q")
            .len(),
        10
    );
    assert_eq!(gets(&e).len(), 2, "LIMIT+OFFSET rows: {:?}", gets(&e));
}

#[test]
fn limit_is_not_pushed_past_a_filter_or_an_order_by() {
    let e = env(store());
    let ids = e
        .ids(&format!("SELECT id {BIG} ORDER BY id LIMIT 5"))
        .expect("q");
    assert_eq!(ids.len(), 5);
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(ids[0], 1, "ORDER BY saw every row");
    assert_eq!(gets(&e).len(), 3);
    e.fake.clear_requests();
    let ids = e
        .ids(&format!("SELECT id {BIG} AND name LIKE '1.0.2%' LIMIT 3"))
        .expect("q");
    assert_eq!(ids.len(), 3, "a filtered LIMIT still finds its rows");
}

#[test]
fn an_in_list_is_one_scan_over_every_package() {
    let e = env(store());
    let rows = e
        .rows("SELECT package_name, count(*) FROM auth_user_versions WHERE package_type IN ('npm', 'container') AND package_name IN ('big', 'small', 'team/app') GROUP BY 1 ORDER BY 1")
        .expect("q");
    assert_eq!(
        rows,
        vec![
            vec!["big", "250"],
            vec!["small", "3"],
            vec!["team/app", "4"]
        ]
    );
    // 2 types × 3 names: six first pages (three of them 404), plus big's pages 2 and 3.
    assert_eq!(gets(&e).len(), 8, "{:?}", gets(&e));
}

#[test]
fn a_repeated_query_costs_no_full_bodies() {
    let e = env(store());
    assert_eq!(
        e.ids(&format!("SELECT count(*) {BIG}")).expect("q"),
        vec![250]
    );
    e.fake.clear_requests();
    assert_eq!(
        e.ids(&format!("SELECT count(*) {BIG}")).expect("q"),
        vec![250]
    );
    let statuses: Vec<u16> = e.fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        vec![304, 304, 304],
        "every page revalidated, none sent again"
    );
}

#[test]
fn writes_through_github_sql_invalidate_the_cache() {
    let e = env(store());
    let small = "FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'small'";
    let ids = e.ids(&format!("SELECT id {small}")).expect("q");
    e.ids(&format!("SELECT id {BIG} LIMIT 1")).expect("q");
    e.conn
        .execute(&format!("DELETE {small} AND id = {}", ids[0]), [])
        .expect("delete");
    e.fake.clear_requests();
    assert_eq!(
        e.ids(&format!("SELECT count(*) {small}")).expect("q"),
        vec![2],
        "the delete shows at once"
    );
    e.ids(&format!("SELECT id {BIG} LIMIT 1")).expect("q");
    let reqs = e.fake.requests();
    assert_eq!(reqs[0].if_none_match, None, "small's list was forgotten");
    assert!(
        reqs[1].if_none_match.is_some(),
        "big's page is still cached"
    );
}

#[test]
fn the_cache_can_be_turned_off() {
    let e = env_with(store(), |c| github_sql::http::ClientConfig {
        cache: false,
        ..c
    });
    e.ids(&format!("SELECT count(*) {BIG}")).expect("q");
    e.ids(&format!("SELECT count(*) {BIG}")).expect("q");
    assert!(e
        .fake
        .requests()
        .iter()
        .all(|r| r.if_none_match.is_none() && r.status == 200));
    assert!(
        e.fake
            .requests()
            .iter()
            .all(|r| r.if_modified_since.is_none()),
        "no conditional header of any kind"
    );
}
