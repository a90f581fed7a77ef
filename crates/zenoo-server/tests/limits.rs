//! Rate limits per key and per IP, with their headers, and bans.

mod common;

use common::Server;

#[tokio::test]
async fn a_key_over_its_limit_gets_429_with_retry_after_then_a_ban() {
    let s =
        Server::start("[limits]\nper_key_per_minute = 5\nban_after = 3\nban_seconds = 120\n").await;
    let key = s.admin().await;
    for i in 0..5u32 {
        let r = s
            .http
            .get(s.url("/orders"))
            .bearer_auth(&key)
            .send()
            .await
            .expect("get");
        assert_eq!(r.status(), 200, "request {i}");
        assert_eq!(r.headers()["ratelimit-limit"], "5");
        assert_eq!(
            r.headers()["ratelimit-remaining"].to_str().expect("header"),
            (4 - i).to_string()
        );
    }
    let r = s
        .http
        .get(s.url("/orders"))
        .bearer_auth(&key)
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 429);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .expect("retry-after")
        .parse()
        .expect("seconds");
    assert!(
        (1..=12).contains(&retry),
        "one request comes back every 12 s: {retry}"
    );
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value = r.json().await.expect("json");
    assert_eq!(body["type"], "https://zenoo.dev/problems/rate-limited");
    // Another key is not affected.
    let other = s.admin().await;
    let r = s
        .http
        .get(s.url("/orders"))
        .bearer_auth(&other)
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 200);
    // Going on earns a ban: Retry-After is the ban's length.
    let mut last = 0;
    for _ in 0..3 {
        let r = s
            .http
            .get(s.url("/orders"))
            .bearer_auth(&key)
            .send()
            .await
            .expect("get");
        assert_eq!(r.status(), 429);
        last = r.headers()["retry-after"]
            .to_str()
            .expect("h")
            .parse()
            .expect("n");
    }
    assert!(last > 100, "banned for ban_seconds: {last}");
    s.stop().await;
}

#[tokio::test]
async fn an_ip_over_its_limit_is_refused_before_authentication() {
    let s = Server::start("[limits]\nper_ip_per_minute = 3\n").await;
    for _ in 0..3 {
        let r = s.http.get(s.url("/healthz")).send().await.expect("get");
        assert_eq!(r.status(), 200);
    }
    // Even a wrong key is counted, and refused for the rate, not the key.
    let r = s
        .http
        .get(s.url("/orders"))
        .bearer_auth("zk_000000000000_x")
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    s.stop().await;
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_with_413() {
    let s = Server::start("[limits]\nbody_bytes = 2048\n").await;
    let key = s.admin().await;
    let r = s
        .http
        .post(s.url("/orders"))
        .bearer_auth(&key)
        .header("content-type", "application/json")
        .body(vec![b' '; 10_000])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 413);
    s.stop().await;
}
