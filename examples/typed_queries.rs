//! Typed models, domains and queries: `cargo run --example typed_queries`.

use zenoo_rpc::{Client, Domain, Many2one, Model, Q};

#[derive(Model, Debug)]
#[odoo(model = "res.country")]
struct Country {
    id: i64,
    name: String,
    code: Option<String>,
}

#[derive(Model, Debug)]
#[odoo(model = "res.partner")]
struct Partner {
    id: i64,
    name: String,
    email: Option<String>,
    is_company: bool,
    country_id: Option<Many2one<Country>>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sim = zenoo_sim::Sim::builder().start().await?;
    let client = Client::builder(&sim.url())
        .database("demo")
        .password("admin", "admin")
        .build()
        .await?;
    let partners = client.model::<Partner>();
    // Field handles are checked by the compiler; Q lookups and the text
    // syntax build the same Domain.
    let companies = partners
        .filter(Partner::is_company().eq(true) & Partner::email().is_set())
        .exclude(Q::new().field("name__istartswith", "old"))
        .order_by("-name")
        .limit(5)
        .all()
        .await?;
    for p in &companies {
        let country = p.country_id.as_ref().map_or("", |c| c.display_name());
        let kind = if p.is_company { "company" } else { "person" };
        println!(
            "{:<30} {:<35} {kind:<8} {country}",
            p.name,
            p.email.as_deref().unwrap_or("")
        );
    }
    let text: Domain = "is_company = true and not country_id = null".parse()?;
    println!(
        "{} companies with a country",
        partners.filter(text).count().await?
    );
    let lab = partners.filter(Q::eq("name", "Zenoo Lab")).get().await?;
    if let Some(c) = &lab.country_id {
        let country = c.fetch(&client).await?;
        println!("{} is in {} ({:?})", lab.name, country.name, country.code);
    }
    Ok(())
}
