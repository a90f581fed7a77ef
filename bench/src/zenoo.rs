//! The zenoo-rpc contenders: each workload written the way a user of
//! zenoo-rpc would write it (typed models, `Query`, `create_many`, `stream`).

use anyhow::{Context as _, bail};
use futures_util::TryStreamExt;
use futures_util::future::try_join_all;
use zenoo_rpc::{Client, Domain, Model, ProtocolKind, Record};

use crate::models::{ManyPartner, SimplePartner, StreamPartner};

use crate::spec::{Clock, Output, Spec, Workload, peak_rss_kib};

/// Checks that the typed model reads exactly the spec's fields.
fn same_fields<M: Model>(spec: &Spec) -> anyhow::Result<()> {
    let mine: Vec<&str> = M::FIELDS.iter().copied().filter(|f| *f != "id").collect();
    if mine != spec.fields {
        bail!(
            "the typed model reads {mine:?} but the workload asks for {:?}",
            spec.fields
        );
    }
    Ok(())
}

/// The spec's `search_read` as a typed query on `M`.
fn query<M: Model>(client: &Client, spec: &Spec) -> anyhow::Result<zenoo_rpc::Query<M>> {
    same_fields::<M>(spec)?;
    let domain = Domain::from_json(spec.domain.clone()).map_err(anyhow::Error::msg)?;
    Ok(client.model::<M>().filter(domain).limit(spec.limit as u64))
}

async fn search<M: Model>(
    client: &Client,
    spec: &Spec,
    clock: &mut Clock,
    items: &mut u64,
) -> anyhow::Result<()> {
    let query = query::<M>(client, spec)?;
    for _ in 0..spec.iterations {
        clock.start();
        let rows = query.all().await?;
        clock.stop();
        *items += rows.len() as u64;
    }
    Ok(())
}

/// Runs `spec` with zenoo-rpc over `protocol`.
pub async fn run(spec: &Spec, protocol: ProtocolKind) -> anyhow::Result<Output> {
    let builder = Client::builder(&spec.url)
        .database(&spec.db)
        .protocol(protocol);
    let builder = match (protocol, &spec.api_key) {
        (ProtocolKind::Json2, Some(key)) => builder.api_key(&spec.login, key),
        (ProtocolKind::Json2, None) => bail!("JSON-2 needs an API key"),
        _ => builder.password(&spec.login, &spec.password),
    };
    let client = builder.build().await.context("login")?;
    let mut items = 0u64;
    let mut clock = Clock::default();
    match spec.workload {
        Workload::Simple => search::<SimplePartner>(&client, spec, &mut clock, &mut items).await?,
        Workload::ReadMany => search::<ManyPartner>(&client, spec, &mut clock, &mut items).await?,
        Workload::BatchCreate => {
            for batch in 0..spec.iterations {
                let vals: Vec<_> = (0..spec.create_count)
                    .map(|i| spec.create_values(batch, i))
                    .collect();
                clock.start();
                let ids = client.create_many(&spec.model, &vals).await?;
                clock.stop();
                items += ids.len() as u64;
                client.unlink(&spec.model, &ids).await?;
            }
        }
        Workload::Concurrent => {
            let query = query::<SimplePartner>(&client, spec)?;
            for _ in 0..spec.iterations {
                clock.start();
                let all = try_join_all((0..spec.concurrency).map(|_| query.all())).await?;
                clock.stop();
                items += all.iter().map(|r| r.len() as u64).sum::<u64>();
            }
        }
        Workload::Stream => {
            same_fields::<StreamPartner>(spec)?;
            for _ in 0..spec.iterations {
                clock.start();
                let mut stream = std::pin::pin!(
                    client
                        .model::<StreamPartner>()
                        .query()
                        .stream(spec.page_size)
                );
                while let Some(p) = stream.try_next().await? {
                    std::hint::black_box(p.record_id());
                    items += 1;
                }
                clock.stop();
            }
        }
    }
    Ok(Output {
        samples_us: clock.samples_us,
        items,
        peak_rss_kib: peak_rss_kib(),
        cpu_us: clock.cpu_us,
        client: format!("zenoo-rpc {} ({protocol:?})", env!("CARGO_PKG_VERSION")),
    })
}
