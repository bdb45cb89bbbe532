//! A fresh PostgreSQL database per test, on the server CI machines of this kind run on
//! 127.0.0.1:5432 (or `COVE_TEST_POSTGRES`).

use cove_server::db::Db;

/// A fresh PostgreSQL database for this test run (dropped at the end).
pub struct PgDatabase {
    admin: String,
    name: String,
}

impl PgDatabase {
    pub async fn create() -> (PgDatabase, String) {
        let admin = std::env::var("COVE_TEST_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        // Tests of one binary run at once: the counter keeps their databases apart.
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let name = format!(
            "cove_test_{}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
                % 1_000_000
        );
        sqlx::any::install_default_drivers();
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {admin} (set COVE_TEST_POSTGRES): {e}"));
        sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .unwrap();
        let url = match admin.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{name}"),
            None => panic!("{admin}: no database in the URL"),
        };
        (PgDatabase { admin, name }, url)
    }

    pub async fn drop_it(self, db: Db) {
        db.pool.close().await;
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&self.admin)
            .await
            .unwrap();
        sqlx::raw_sql(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    }
}
