//! Users' credentials, web sessions and the login cooldown.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rand::Rng;

/// Credentials of one user of one database.
#[derive(Debug, Clone)]
pub struct Credential {
    /// Database.
    pub db: String,
    /// Login.
    pub login: String,
    /// Password.
    pub password: String,
    /// API keys.
    pub api_keys: Vec<String>,
}

/// A web session (`session_id` cookie).
#[derive(Debug, Clone)]
pub struct Session {
    /// Database.
    pub db: String,
    /// Logged-in user, if any.
    pub uid: Option<i64>,
    /// Login.
    #[allow(dead_code)]
    pub login: String,
}

/// Authentication state of a simulator.
#[derive(Debug, Default)]
pub struct Auth {
    /// Credentials by (db, login).
    pub credentials: HashMap<(String, String), Credential>,
    sessions: Mutex<HashMap<String, Session>>,
    failures: Mutex<HashMap<IpAddr, (u32, Option<Instant>)>>,
    /// Failed logins before the cooldown starts (0 disables it).
    pub cooldown_after: u32,
    /// Length of the cooldown.
    pub cooldown: Duration,
}

impl Auth {
    /// Empty state with Odoo's cooldown defaults (5 failures, 60 s).
    pub fn new() -> Self {
        Self {
            cooldown_after: 5,
            cooldown: Duration::from_secs(60),
            ..Default::default()
        }
    }

    /// Web sessions by id (their own lock: logins run under the shared
    /// state lock).
    pub fn sessions(&self) -> MutexGuard<'_, HashMap<String, Session>> {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn failures(&self) -> MutexGuard<'_, HashMap<IpAddr, (u32, Option<Instant>)>> {
        self.failures.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether `ip` is in its login cooldown.
    pub fn in_cooldown(&self, ip: IpAddr) -> bool {
        if self.cooldown_after == 0 {
            return false;
        }
        let mut failures = self.failures();
        match failures.get(&ip) {
            Some((_, Some(until))) if Instant::now() < *until => true,
            Some((_, Some(_))) => {
                failures.remove(&ip);
                false
            }
            _ => false,
        }
    }

    /// Records a login result from `ip`.
    pub fn record(&self, ip: IpAddr, ok: bool) {
        let mut failures = self.failures();
        if ok {
            failures.remove(&ip);
            return;
        }
        let entry = failures.entry(ip).or_insert((0, None));
        entry.0 += 1;
        if self.cooldown_after > 0 && entry.0 >= self.cooldown_after {
            entry.1 = Some(Instant::now() + self.cooldown);
            entry.0 = 0;
        }
    }

    /// Whether `secret` is the password of (db, login).
    pub fn check_password(&self, db: &str, login: &str, secret: &str) -> bool {
        self.credentials
            .get(&(db.to_string(), login.to_string()))
            .is_some_and(|c| c.password == secret)
    }

    /// Whether `secret` is the password or an API key of (db, login).
    pub fn check_secret(&self, db: &str, login: &str, secret: &str) -> bool {
        self.credentials
            .get(&(db.to_string(), login.to_string()))
            .is_some_and(|c| c.password == secret || c.api_keys.iter().any(|k| k == secret))
    }

    /// The (db, login) an API key belongs to.
    pub fn key_owner(&self, key: &str) -> Option<(&str, &str)> {
        self.credentials
            .values()
            .find(|c| c.api_keys.iter().any(|k| k == key))
            .map(|c| (c.db.as_str(), c.login.as_str()))
    }

    /// A new session id in the version's format.
    pub fn new_session_id(long: bool) -> String {
        let mut rng = rand::thread_rng();
        if long {
            const ALPHABET: &[u8] =
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            (0..84)
                .map(|_| ALPHABET[rng.gen_range(0..64)] as char)
                .collect()
        } else {
            (0..40)
                .map(|_| format!("{:x}", rng.gen_range(0..16u8)))
                .collect()
        }
    }
}
