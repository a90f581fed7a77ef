//! Shared by the integration tests: a simulator and a client logged in to it.

use zenoo_rpc::Client;
use zenoo_sim::{OdooVersion, Sim, SimHandle};

/// A simulator of `version` with `scale` extra records, and admin's client.
pub async fn start(version: OdooVersion, scale: usize) -> (SimHandle, Client) {
    let sim = Sim::builder()
        .version(version)
        .scale(scale)
        .start()
        .await
        .expect("sim starts");
    let client = Client::builder(&sim.url())
        .database("demo")
        .password("admin", "admin")
        .build()
        .await
        .expect("login");
    (sim, client)
}
