//! What the revocation check adds to each request with a token: checking
//! an HS256 access token with and without the `jti` lookup, against 0 and
//! 10,000 revoked tokens.
//!
//! `cargo bench -p zenoo-server --bench revocation`
#![allow(missing_docs)]

use divan::{Bencher, black_box};
use zenoo_server::config::AuthConfig;
use zenoo_server::principal::Scope;
use zenoo_server::tokens::Tokens;

fn main() {
    divan::main();
}

/// Tokens over a fresh store with `revoked` revoked tokens, and a live
/// token to check.
fn setup(revoked: usize) -> (Tokens, String) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let dir = tempfile::tempdir().expect("dir");
        let url = format!("sqlite://{}", dir.path().join("bench.db").display());
        let (tables, _) = zenoo_server::Tables::open(&url).await.expect("store");
        let config = AuthConfig {
            jwt_secret: Some("a-bench-secret-that-is-long-enough-for-hs256".into()),
            ..AuthConfig::default()
        };
        let tokens = tables.tokens(&config).expect("tokens");
        let far = i64::MAX / 2;
        let many: Vec<(String, i64)> = (0..revoked).map(|i| (format!("jti-{i}"), far)).collect();
        for chunk in many.chunks(500) {
            tokens
                .revocations()
                .revoke_tokens(chunk)
                .await
                .expect("revoke");
        }
        let token = tokens
            .issue("bench", &[Scope::OrdersRead], None)
            .expect("token");
        std::mem::forget(dir);
        (tokens, token)
    })
}

#[divan::bench(args = [0, 10_000])]
fn verify_with_revocation_check(bencher: Bencher, revoked: usize) {
    let (tokens, token) = setup(revoked);
    bencher.bench_local(|| tokens.verify(black_box(&token)).expect("valid"));
}

#[divan::bench(args = [0, 10_000])]
fn revocation_lookup_alone(bencher: Bencher, revoked: usize) {
    let (tokens, _) = setup(revoked);
    let jti = "not-revoked-jti-of-22ch";
    bencher.bench_local(|| tokens.revocations().is_revoked(black_box(jti)));
}
