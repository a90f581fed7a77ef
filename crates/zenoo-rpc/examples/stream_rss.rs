//! Streams every partner of a simulator started with `--scale N` and
//! reports the client's peak memory: the stream holds one page at a time,
//! so the peak stays flat as N grows.
//!
//! ```text
//! cargo run --release -p zenoo-rpc --example stream_rss -- 1000000 [BATCH]
//! ```
//! The simulator runs in a child process (this same program with
//! `--serve N`), so the peak RSS printed is the client's alone. The
//! simulator itself holds every record in memory: at 1,000,000 records its
//! process needs about 4.6 GB.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Instant;

use futures_util::TryStreamExt;
use zenoo_rpc::{Client, Many2one, Model};

#[derive(Model, Debug)]
#[odoo(model = "res.partner")]
#[allow(dead_code)]
struct Partner {
    id: i64,
    name: String,
    email: Option<String>,
    is_company: bool,
    country_id: Option<Many2one>,
}

/// Peak resident set size of this process, in MiB (Linux).
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--serve") {
        let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(0);
        let sim = zenoo_sim::Sim::builder().scale(n).start().await?;
        println!("{}", sim.url());
        // Serve until the parent closes our stdin.
        let _ = tokio::task::spawn_blocking(|| std::io::stdin().lines().count()).await;
        return Ok(());
    }
    let n: usize = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let batch: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2_000);
    let mut child = Command::new(std::env::current_exe()?)
        .args(["--serve", &n.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut url = String::new();
    BufReader::new(stdout).read_line(&mut url)?;
    let client = Client::builder(url.trim())
        .database("demo")
        .password("admin", "admin")
        .build()
        .await?;
    let before = peak_rss_mib().unwrap_or(0.0);
    let start = Instant::now();
    let mut count = 0u64;
    let mut stream = Box::pin(client.model::<Partner>().query().stream(batch));
    while let Some(p) = stream.try_next().await? {
        count += 1;
        std::hint::black_box(&p);
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "streamed {count} records in {secs:.1} s ({:.0} records/s), batch {batch}; client peak RSS {:.1} MiB (before streaming {before:.1} MiB)",
        count as f64 / secs,
        peak_rss_mib().unwrap_or(0.0)
    );
    drop(child.stdin.take());
    let _ = child.wait();
    Ok(())
}
