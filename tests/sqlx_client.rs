//! The sqlx MySQL driver against moltdb: pool connect (with sqlx's bootstrap `SET sql_mode=...,
//! time_zone='+00:00', NAMES utf8mb4`), DDL and DML through prepared statements with bind
//! parameters, typed rows, and transactions committed and rolled back.

mod common;

use common::TestServer;
use mysql_async::prelude::Queryable;
use sqlx::mysql::MySqlPoolOptions;
use sqlx::Row;

async fn pool_for(server: &TestServer, db: &str) -> sqlx::MySqlPool {
    // The database is created over mysql_async; sqlx connects with it as the default database.
    let mut conn = server.conn().await;
    conn.query_drop(format!("DROP DATABASE IF EXISTS {db}"))
        .await
        .unwrap();
    conn.query_drop(format!("CREATE DATABASE {db}"))
        .await
        .unwrap();
    conn.disconnect().await.unwrap();
    MySqlPoolOptions::new()
        .max_connections(3)
        .connect(&server.url(Some(db)))
        .await
        .unwrap_or_else(|e| panic!("sqlx connect: {e}\n{}", server.log_tail()))
}

#[tokio::test]
async fn sqlx_typed_rows_and_binds() {
    let server = TestServer::external_or_start();
    let pool = pool_for(&server, "sqlx_rows").await;

    let db: Option<String> = sqlx::query_scalar("SELECT DATABASE()")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(db.as_deref(), Some("sqlx_rows"));

    sqlx::query(
        "CREATE TABLE people (id BIGINT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50) NOT NULL, \
         nick VARCHAR(50), score DOUBLE NOT NULL)",
    )
    .execute(&pool)
    .await
    .unwrap();

    let people: [(&str, Option<&str>, f64); 3] = [
        ("Ada", Some("countess"), 99.5),
        ("Brian", None, 42.0),
        ("Chloé", Some(""), -1.25),
    ];
    for (i, (name, nick, score)) in people.iter().enumerate() {
        let res = sqlx::query("INSERT INTO people (name, nick, score) VALUES (?, ?, ?)")
            .bind(name)
            .bind(nick)
            .bind(score)
            .execute(&pool)
            .await
            .unwrap();
        assert_eq!(res.rows_affected(), 1);
        assert_eq!(res.last_insert_id(), i as u64 + 1);
    }

    let rows: Vec<(i64, String, Option<String>, f64)> =
        sqlx::query_as("SELECT id, name, nick, score FROM people ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        rows,
        vec![
            (1, "Ada".to_string(), Some("countess".to_string()), 99.5),
            (2, "Brian".to_string(), None, 42.0),
            (3, "Chloé".to_string(), Some(String::new()), -1.25),
        ]
    );

    // Bind parameters in WHERE, including a range and a NULL check.
    let row = sqlx::query("SELECT name, score FROM people WHERE id = ?")
        .bind(2i64)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(row.get::<String, _>("name"), "Brian");
    assert_eq!(row.get::<f64, _>(1), 42.0);

    let names: Vec<String> =
        sqlx::query_scalar("SELECT name FROM people WHERE score BETWEEN ? AND ? ORDER BY name")
            .bind(0.0f64)
            .bind(100.0f64)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(names, vec!["Ada".to_string(), "Brian".to_string()]);

    let none: Option<(i64,)> = sqlx::query_as("SELECT id FROM people WHERE name = ?")
        .bind("nobody")
        .fetch_optional(&pool)
        .await
        .unwrap();
    assert_eq!(none, None);

    let res = sqlx::query("UPDATE people SET nick = ? WHERE nick IS NULL")
        .bind("bri")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(res.rows_affected(), 1);
    let res = sqlx::query("DELETE FROM people WHERE score < ?")
        .bind(0i32)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(res.rows_affected(), 1);

    // Errors surface with their MySQL code.
    let err = sqlx::query("INSERT INTO people (id, name, score) VALUES (?, ?, ?)")
        .bind(1i64)
        .bind("dup")
        .bind(0.0f64)
        .execute(&pool)
        .await
        .unwrap_err();
    let db_err = err.as_database_error().expect("a database error");
    assert_eq!(db_err.code().as_deref(), Some("23000"));
    assert!(
        db_err.message().starts_with("Duplicate entry '1' for key"),
        "{db_err}"
    );

    sqlx::raw_sql("DROP DATABASE sqlx_rows")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}

#[tokio::test]
async fn sqlx_transactions_commit_and_rollback() {
    let server = TestServer::external_or_start();
    let pool = pool_for(&server, "sqlx_txn").await;
    sqlx::query("CREATE TABLE acct (id INT PRIMARY KEY, balance BIGINT NOT NULL)")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO acct VALUES (?, ?), (?, ?)")
        .bind(1)
        .bind(100i64)
        .bind(2)
        .bind(0i64)
        .execute(&pool)
        .await
        .unwrap();

    // A committed transfer.
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("UPDATE acct SET balance = balance - ? WHERE id = ?")
        .bind(30i64)
        .bind(1)
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("UPDATE acct SET balance = balance + ? WHERE id = ?")
        .bind(30i64)
        .bind(2)
        .execute(&mut *tx)
        .await
        .unwrap();
    // Not visible outside the transaction yet.
    let outside: i64 = sqlx::query_scalar("SELECT balance FROM acct WHERE id = 2")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(outside, 0);
    tx.commit().await.unwrap();

    // A rolled-back transfer.
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("UPDATE acct SET balance = balance - ? WHERE id = ?")
        .bind(1000i64)
        .bind(1)
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("INSERT INTO acct VALUES (?, ?)")
        .bind(3)
        .bind(5i64)
        .execute(&mut *tx)
        .await
        .unwrap();
    let inside: i64 = sqlx::query_scalar("SELECT balance FROM acct WHERE id = 1")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(inside, -930);
    tx.rollback().await.unwrap();

    // A transaction dropped without commit is rolled back too.
    {
        let mut tx = pool.begin().await.unwrap();
        sqlx::query("DELETE FROM acct")
            .execute(&mut *tx)
            .await
            .unwrap();
    }

    let rows: Vec<(i32, i64)> = sqlx::query_as("SELECT id, balance FROM acct ORDER BY id")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(rows, vec![(1, 70), (2, 30)]);

    sqlx::raw_sql("DROP DATABASE sqlx_txn")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}
