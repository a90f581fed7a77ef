//! What a test does when something it needs from outside the repository
//! (PostgreSQL, Redis, Chromium, the Python clients, the recorded cases) is
//! not there: skip with the reason on a developer's machine, fail in CI,
//! where `.ci/run` installs all of it and a skip would hide a broken set-up.

/// Says why a test cannot do its work, then lets it return early: prints
/// `SKIPPED: <reason>`, or panics with the reason when the `CI` variable is
/// `true` (or `1`).
///
/// ```no_run
/// let Ok(url) = std::env::var("ZENOO_TEST_POSTGRES_URL") else {
///     zenoo_sim::skip::missing("ZENOO_TEST_POSTGRES_URL is not set (no PostgreSQL)");
///     return;
/// };
/// # let _ = url;
/// ```
///
/// # Panics
/// In CI, always: a test there must do its work.
pub fn missing(reason: impl std::fmt::Display) {
    if in_ci() {
        panic!("CI=true, but a test could not do its work: {reason}");
    }
    println!("SKIPPED: {reason}");
}

/// Whether this runs in CI (`CI=true` or `CI=1`, as CI services set it).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}
