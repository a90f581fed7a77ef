//! Streaming every record in bounded memory: `cargo run --example streaming`.

use futures_util::TryStreamExt;
use zenoo_rpc::{Client, Model};

#[derive(Model, Debug)]
#[odoo(model = "res.partner")]
struct Partner {
    id: i64,
    name: String,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sim = zenoo_sim::Sim::builder().scale(5_000).start().await?;
    let client = Client::builder(&sim.url())
        .database("demo")
        .password("admin", "admin")
        .build()
        .await?;
    // Pages walk the ids upwards (id > last), 500 at a time: records created
    // or deleted meanwhile are neither skipped nor repeated.
    let mut stream = std::pin::pin!(client.model::<Partner>().query().stream(500));
    let (mut n, mut longest) = (0usize, String::new());
    while let Some(p) = stream.try_next().await? {
        n += 1;
        if p.name.len() > longest.len() {
            longest = p.name;
        }
    }
    println!("streamed {n} partners; the longest name is {longest:?}");
    Ok(())
}
