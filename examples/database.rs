//! Database management: list, create, dump to a file (never truncating a
//! good backup), restore, drop: `cargo run --example database`.

use zenoo_rpc::db::{DbService, DumpFormat};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sim = zenoo_sim::Sim::builder().start().await?;
    let dbs = DbService::new(&sim.url(), "admin")?;
    println!("databases: {:?}", dbs.list().await?);
    dbs.create("scratch", false, "en_US", "admin", "admin")
        .await?;
    let dir = tempfile::tempdir()?;
    let backup = dir.path().join("demo.zip");
    let n = dbs
        .dump_to_file("demo", DumpFormat::Zip, &backup, |_| {})
        .await?;
    println!("dumped demo: {n} bytes to {}", backup.display());
    // A failed dump leaves the good backup alone.
    let wrong = DbService::new(&sim.url(), "wrong master password")?;
    let e = wrong
        .dump_to_file("demo", DumpFormat::Zip, &backup, |_| {})
        .await
        .expect_err("refused");
    println!(
        "a refused dump: {e}; the backup still holds {} bytes",
        std::fs::metadata(&backup)?.len()
    );
    dbs.restore("restored", &backup, |_| {}).await?;
    println!("restored; databases: {:?}", dbs.list().await?);
    dbs.drop("scratch").await?;
    dbs.drop("restored").await?;
    Ok(())
}
