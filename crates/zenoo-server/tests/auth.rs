//! Authentication and scopes: API keys, JWTs (HS256, RS256, EdDSA), the
//! login with refresh tokens, and the audit of every request's principal.

mod common;

use common::{JWT_SECRET, Server, order};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::Method;
use serde_json::{Value, json};
use sqlx::Row;
use zenoo_server::principal::Scope;

fn now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).expect("time")
}

fn jwt(secret: &str, claims: Value) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()).expect("key"),
    )
    .expect("encode")
}

fn claims(aud: &str, iss: &str, exp: u64, scope: &str) -> Value {
    json!({"sub": "ada", "aud": aud, "iss": iss, "exp": exp, "scope": scope})
}

/// 401, a problem, and nothing of the data.
async fn refused(s: &Server, token: Option<&str>, why: &str) {
    let (code, body) = s.call(Method::GET, "/orders", token, None).await;
    assert_eq!(code, 401, "{why}: {body}");
    assert_eq!(
        body["type"], "https://zenoo.dev/problems/unauthenticated",
        "{why}"
    );
    assert!(
        !body.to_string().contains("Alpenrose"),
        "{why}: data leaked: {body}"
    );
}

#[tokio::test]
async fn missing_expired_forged_and_misaddressed_tokens_are_refused() {
    let s = Server::start("").await;
    let admin = s.admin().await;
    let (code, _) = s
        .post("/orders", &admin, order("Alpenrose Dairy", 1.0))
        .await;
    assert_eq!(code, 201);

    let r = s.http.get(s.url("/orders")).send().await.expect("get");
    assert_eq!(r.status(), 401);
    assert!(
        r.headers()["www-authenticate"]
            .to_str()
            .unwrap_or_default()
            .starts_with("Bearer")
    );
    refused(&s, None, "no token").await;
    refused(
        &s,
        Some(&jwt(
            JWT_SECRET,
            claims("zenoo-server", "zenoo-server", now() - 3600, "admin"),
        )),
        "expired",
    )
    .await;
    refused(
        &s,
        Some(&jwt(
            "another-secret-that-is-long-enough-for-hs256",
            claims("zenoo-server", "zenoo-server", now() + 600, "admin"),
        )),
        "forged",
    )
    .await;
    refused(
        &s,
        Some(&jwt(
            JWT_SECRET,
            claims("someone-else", "zenoo-server", now() + 600, "admin"),
        )),
        "wrong audience",
    )
    .await;
    refused(
        &s,
        Some(&jwt(
            JWT_SECRET,
            claims("zenoo-server", "elsewhere", now() + 600, "admin"),
        )),
        "wrong issuer",
    )
    .await;
    refused(
        &s,
        Some(&jwt(
            JWT_SECRET,
            claims("zenoo-server", "zenoo-server", now() + 600, "superuser"),
        )),
        "unknown scope",
    )
    .await;
    refused(&s, Some("zk_0123456789ab_not-a-real-key"), "unknown key").await;
    refused(&s, Some("garbage"), "not a token").await;
    // Within the clock skew an expired token still passes.
    let skewed = jwt(
        JWT_SECRET,
        claims("zenoo-server", "zenoo-server", now() - 5, "orders:read"),
    );
    assert_eq!(s.get("/orders", &skewed).await.0, 200);

    // A good token with a read scope reads, and may not write.
    let reader = jwt(
        JWT_SECRET,
        claims("zenoo-server", "zenoo-server", now() + 600, "orders:read"),
    );
    let (code, list) = s.get("/orders", &reader).await;
    assert_eq!(code, 200);
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    let (code, p) = s
        .post("/orders", &reader, order("Alpenrose Dairy", 1.0))
        .await;
    assert_eq!(code, 403, "{p}");
    assert_eq!(p["type"], "https://zenoo.dev/problems/forbidden");
    assert!(
        p["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("orders:write")
    );
    s.stop().await;
}

#[tokio::test]
async fn keys_have_scopes_suppliers_and_can_be_revoked() {
    let s = Server::start("").await;
    let admin = s.admin().await;
    let (_, a) = s
        .post("/orders", &admin, order("Alpenrose Dairy", 1.0))
        .await;
    let (_, n) = s
        .post("/orders", &admin, order("Northwind Looms", 1.0))
        .await;
    let northwind = s
        .key(
            &[Scope::OrdersRead, Scope::OrdersWrite],
            Some(&["Northwind Looms"]),
        )
        .await;
    let (code, list) = s.get("/orders", &northwind).await;
    assert_eq!(code, 200);
    let seen: Vec<&Value> = list
        .as_array()
        .expect("list")
        .iter()
        .map(|o| &o["uuid"])
        .collect();
    assert_eq!(seen, vec![&n["uuid"]], "only Northwind's order");
    let (code, _) = s
        .get(
            &format!("/orders/{}", a["uuid"].as_str().expect("uuid")),
            &northwind,
        )
        .await;
    assert_eq!(
        code, 404,
        "another supplier's order does not exist for this key"
    );
    let (code, _) = s
        .post("/orders", &northwind, order("Alpenrose Dairy", 1.0))
        .await;
    assert_eq!(code, 403);

    let reader = s.key(&[Scope::OrdersRead], None).await;
    let (code, _) = s
        .post(
            &format!("/conflicts/{}/resolve", a["uuid"].as_str().expect("uuid")),
            &reader,
            json!({"take": "odoo"}),
        )
        .await;
    assert_eq!(code, 403);
    let (code, _) = s.post("/jobs/failed/retry", &reader, json!(null)).await;
    assert_eq!(code, 403);

    // Revoked: refused at once.
    let id = reader.split('_').nth(1).expect("id").to_string();
    assert!(s.running().keys.revoke(&id).await.expect("revoke"));
    refused(&s, Some(&reader), "revoked key").await;
    let listed = s.running().keys.list().await.expect("list");
    let info = listed.iter().find(|k| k.id == id).expect("listed");
    assert!(info.revoked_at.is_some());
    assert!(
        !format!("{listed:?}").contains(&reader),
        "keys list never shows a secret"
    );

    // Every authenticated request's principal is in the audit log.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let rows = sqlx::query("SELECT principal, method, path, status FROM request_audit")
            .fetch_all(s.running().tables.pool())
            .await
            .expect("audit");
        let found = rows.iter().any(|r| {
            r.get::<String, _>(0) == format!("key:{id}")
                && r.get::<String, _>(2).starts_with("/jobs/failed/retry")
                && r.get::<i64, _>(3) == 403
        });
        if found {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the audit log never got the request"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    s.stop().await;
}

#[tokio::test]
async fn a_login_gives_tokens_that_refresh_once_and_revoke() {
    let s = Server::start("").await;
    let password = secrecy::SecretString::from("correct horse battery staple".to_string());
    s.running()
        .tokens
        .add_user("ada", &password, &[Scope::OrdersRead], None)
        .await
        .expect("user");
    let (code, p) = s
        .call(
            Method::POST,
            "/auth/login",
            None,
            Some(json!({"username": "ada", "password": "wrong password!"})),
        )
        .await;
    assert_eq!(code, 401, "{p}");
    let (code, p) = s
        .call(
            Method::POST,
            "/auth/login",
            None,
            Some(json!({"username": "nobody", "password": "wrong password!"})),
        )
        .await;
    assert_eq!(code, 401);
    assert_eq!(p["detail"], "wrong user name or password");
    let (code, pair) = s
        .call(
            Method::POST,
            "/auth/login",
            None,
            Some(json!({"username": "ada", "password": "correct horse battery staple"})),
        )
        .await;
    assert_eq!(code, 200, "{pair}");
    let access = pair["access_token"].as_str().expect("access").to_string();
    assert_eq!(s.get("/orders", &access).await.0, 200);

    let first = pair["refresh_token"].as_str().expect("refresh").to_string();
    let (code, second) = s
        .call(
            Method::POST,
            "/auth/refresh",
            None,
            Some(json!({"refresh_token": first})),
        )
        .await;
    assert_eq!(code, 200);
    assert_eq!(
        s.get("/orders", second["access_token"].as_str().expect("access"))
            .await
            .0,
        200
    );
    // The first token again: refused, and its family with it.
    let (code, _) = s
        .call(
            Method::POST,
            "/auth/refresh",
            None,
            Some(json!({"refresh_token": first})),
        )
        .await;
    assert_eq!(code, 401);
    let (code, _) = s
        .call(
            Method::POST,
            "/auth/refresh",
            None,
            Some(json!({"refresh_token": second["refresh_token"]})),
        )
        .await;
    assert_eq!(
        code, 401,
        "a replayed refresh token revokes its whole family"
    );

    // Logout revokes.
    let (_, pair) = s
        .call(
            Method::POST,
            "/auth/login",
            None,
            Some(json!({"username": "ada", "password": "correct horse battery staple"})),
        )
        .await;
    let (code, _) = s
        .call(
            Method::POST,
            "/auth/logout",
            None,
            Some(json!({"refresh_token": pair["refresh_token"]})),
        )
        .await;
    assert_eq!(code, 204);
    let (code, _) = s
        .call(
            Method::POST,
            "/auth/refresh",
            None,
            Some(json!({"refresh_token": pair["refresh_token"]})),
        )
        .await;
    assert_eq!(code, 401);
    s.stop().await;
}

/// A PEM key pair made by openssl, or `None` (the test says it skipped).
fn openssl_pair(dir: &std::path::Path, args: &[&str]) -> Option<(String, String)> {
    let private = dir.join("private.pem");
    let public = dir.join("public.pem");
    let ok = std::process::Command::new("openssl")
        .args(args)
        .arg("-out")
        .arg(&private)
        .status()
        .ok()?
        .success()
        && std::process::Command::new("openssl")
            .args(["pkey", "-pubout", "-in"])
            .arg(&private)
            .arg("-out")
            .arg(&public)
            .status()
            .ok()?
            .success();
    ok.then(|| {
        (
            std::fs::read_to_string(&private).unwrap_or_default(),
            std::fs::read_to_string(&public).unwrap_or_default(),
        )
    })
}

#[tokio::test]
async fn rs256_and_eddsa_keys_from_the_configuration() {
    let dir = tempfile::tempdir().expect("dir");
    for (alg, args) in [
        ("EdDSA", vec!["genpkey", "-algorithm", "ed25519"]),
        (
            "RS256",
            vec![
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
            ],
        ),
    ] {
        let Some((private, public)) = openssl_pair(dir.path(), &args) else {
            eprintln!("SKIPPED {alg}: openssl could not make a key pair");
            continue;
        };
        let extra = format!(
            "[auth]\njwt_algorithm = \"{alg}\"\njwt_public_key = '''\n{public}'''\njwt_private_key = '''\n{private}'''\n"
        );
        let s = Server::start(&extra).await;
        let token = s
            .running()
            .tokens
            .issue("ada", &[Scope::OrdersRead], None)
            .expect("issue");
        assert_eq!(s.get("/orders", &token).await.0, 200, "{alg}");
        // An HS256 token signed with the public key as a secret (the
        // algorithm confusion attack) is refused.
        let confused = jwt(
            &public,
            claims("zenoo-server", "zenoo-server", now() + 600, "admin"),
        );
        refused(&s, Some(&confused), "algorithm confusion").await;
        s.stop().await;
    }
}

#[tokio::test]
async fn the_request_audit_forgets_entries_past_their_retention() {
    let s = Server::start("audit_retention_days = 1\n").await;
    let key = s.admin().await;
    let pool = s.running().tables.pool().clone();
    sqlx::query(
        "INSERT INTO request_audit (at, principal, method, path, status) VALUES (0, 'key:old', 'GET', '/orders', 200)",
    )
    .execute(&pool)
    .await
    .expect("an old entry");
    assert_eq!(s.get("/orders", &key).await.0, 200);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let principals: Vec<String> = sqlx::query("SELECT principal FROM request_audit")
            .fetch_all(&pool)
            .await
            .expect("rows")
            .iter()
            .map(|r| r.get::<String, _>(0))
            .collect();
        if !principals.iter().any(|p| p == "key:old") && !principals.is_empty() {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{principals:?}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    s.stop().await;
}

#[tokio::test]
async fn expired_refresh_tokens_are_deleted() {
    let s = Server::start("").await;
    let pool = s.running().tables.pool().clone();
    for (hash, expires) in [("old", 0i64), ("live", i64::MAX)] {
        sqlx::query(
            "INSERT INTO refresh_tokens (hash, user_name, family, created_at, expires_at) VALUES ($1, 'ada', 'f', 0, $2)",
        )
        .bind(hash)
        .bind(expires)
        .execute(&pool)
        .await
        .expect("insert");
    }
    // (The hourly task may have taken it first: either way it is gone.)
    assert!(s.running().tokens.prune_expired().await.expect("prune") <= 1);
    let left: Vec<String> = sqlx::query("SELECT hash FROM refresh_tokens")
        .fetch_all(&pool)
        .await
        .expect("rows")
        .iter()
        .map(|r| r.get::<String, _>(0))
        .collect();
    assert_eq!(left, ["live"]);
    s.stop().await;
}
