//! What the HTTP-level benchmarks share: a fresh database per backend
//! (SQLite always, PostgreSQL when `KAIROS_TEST_POSTGRES_URL` is set).

use kairos::domain::random_token;

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
