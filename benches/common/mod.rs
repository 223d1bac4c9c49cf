//! What the HTTP-level benchmarks share: a fresh database per backend
//! (SQLite always, PostgreSQL when `KAIROS_TEST_POSTGRES_URL` is set).

use kairos::domain::{hash_secret, random_token};
use kairos::store::SharedStore;
use serde_json::{Value, json};

/// [`on_each_backend`] on a multi-threaded runtime: a benchmark's `main`.
pub fn run_on_each_backend<F, Fut>(bench: F)
where
    F: Fn(&'static str, String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(on_each_backend(bench));
}

/// Runs `bench(backend name, database URL)` on SQLite and, when configured,
/// on a fresh PostgreSQL database dropped afterwards.
pub async fn on_each_backend<F, Fut>(bench: F)
where
    F: Fn(&'static str, String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let dir = std::env::temp_dir().join(format!("kairos-bench-{}", random_token(8)));
    std::fs::create_dir_all(&dir).expect("dir");
    bench(
        "sqlite",
        format!("sqlite://{}", dir.join("bench.db").display()),
    )
    .await;
    match std::env::var("KAIROS_TEST_POSTGRES_URL") {
        Ok(admin) => {
            let name = format!("kairos_test_bench_{}", random_token(8));
            let pool = sqlx::PgPool::connect(&admin).await.expect("postgres");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&pool)
                .await
                .expect("create database");
            let url = match admin.rsplit_once('/') {
                Some((base, _)) => format!("{base}/{name}"),
                None => admin.clone(),
            };
            bench("postgres", url).await;
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE {name} WITH (FORCE)"
            )))
            .execute(&pool)
            .await;
        }
        Err(_) => println!("postgres: skipped (set KAIROS_TEST_POSTGRES_URL)"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// An organization with `hosts` hosts (`host-0`…, UTC, free all week) each
/// owning a 15-minute event type `call` (plus the fields in `extra`); returns
/// the organization's id.
#[allow(dead_code)] // not every benchmark books
pub async fn seed(
    store: &SharedStore,
    base: &str,
    client: &reqwest::Client,
    hosts: usize,
    extra: Value,
) -> String {
    let org = store.create_organization("Load").await.expect("org");
    let key = format!("kairos_{}", random_token(32));
    store
        .create_api_key(&org.id, "load", &hash_secret(&key))
        .await
        .expect("key");
    let all_day = json!([["00:00", "24:00"]]);
    for h in 0..hosts {
        let user: serde_json::Value = client
            .post(format!("{base}/api/v1/users"))
            .bearer_auth(&key)
            .json(&json!({ "slug": format!("host-{h}"), "name": "Host", "email": format!("h{h}@example.com"), "timezone": "UTC" }))
            .send()
            .await
            .expect("user")
            .json()
            .await
            .expect("json");
        let id = user["id"].as_str().expect("id");
        client
            .post(format!("{base}/api/v1/schedules"))
            .bearer_auth(&key)
            .json(&json!({ "user_id": id, "name": "Always", "timezone": "UTC", "is_default": true,
                "weekly": { "mon": all_day, "tue": all_day, "wed": all_day, "thu": all_day, "fri": all_day, "sat": all_day, "sun": all_day } }))
            .send()
            .await
            .expect("schedule");
        client
            .post(format!("{base}/api/v1/event-types"))
            .bearer_auth(&key)
            .json(&{
                let mut body = json!({ "owner_id": id, "slug": "call", "title": "Call", "kind": "one_on_one", "duration_minutes": 15 });
                for (k, v) in extra.as_object().into_iter().flatten() {
                    body[k] = v.clone();
                }
                body
            })
            .send()
            .await
            .expect("event type");
    }
    org.id
}
