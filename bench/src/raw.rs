//! The floor for any client: a minimal hyper client that sends prebuilt
//! JSON-RPC bytes over kept-alive connections and checks only the status.
//! (For `stream` it also finds the last id of each page, and for
//! `batch-create` it reads the created ids after the clock stops, to clean up.)
//!
//! `raw-typed` is the same transport plus `serde_json::from_slice` of each
//! answer into the typed rows zenoo-rpc decodes into (`models.rs`), on the
//! clock: the floor for a client that returns typed records.

use anyhow::{Context as _, bail};
use bytes::Bytes;
use futures_util::future::try_join_all;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use zenoo_rpc::Record;

use crate::models::{ManyPartner, SimplePartner, StreamPartner};
use crate::spec::{Clock, Output, Spec, Workload, peak_rss_kib};

/// Whether answers are decoded into typed rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decode {
    /// Only the status is checked (`raw`).
    No,
    /// Decoded into the workload's typed rows on the clock (`raw-typed`).
    Typed,
}

/// A JSON-RPC answer's `result`.
#[derive(Deserialize)]
struct Reply<T> {
    result: T,
}

/// The rows of a `search_read` answer, typed.
fn rows<M: DeserializeOwned>(body: &[u8]) -> anyhow::Result<Vec<M>> {
    Ok(serde_json::from_slice::<Reply<Vec<M>>>(body)?.result)
}

/// How many records `body` holds: decoded as `M` (and each row's id
/// black-boxed) when typed, counted in the bytes otherwise.
fn count<M: DeserializeOwned + Record>(body: &[u8], decode: Decode) -> anyhow::Result<u64> {
    Ok(match decode {
        Decode::No => count_and_last_id(body).0 as u64,
        Decode::Typed => {
            let rows = rows::<M>(body)?;
            for r in &rows {
                std::hint::black_box(r.record_id());
            }
            rows.len() as u64
        }
    })
}

struct Raw {
    http: Client<HttpConnector, Full<Bytes>>,
    endpoint: hyper::Uri,
}

impl Raw {
    async fn post(&self, body: Bytes) -> anyhow::Result<Bytes> {
        let req = Request::post(self.endpoint.clone())
            .header("content-type", "application/json")
            .body(Full::new(body))?;
        let resp = self.http.request(req).await?;
        if !resp.status().is_success() {
            bail!("HTTP {}", resp.status());
        }
        Ok(resp.into_body().collect().await?.to_bytes())
    }
}

fn call(spec: &Spec, uid: i64, method: &str, args: Value, kwargs: Value) -> Bytes {
    let body = json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
        "service": "object", "method": "execute_kw",
        "args": [spec.db, uid, spec.password, spec.model, method, args, kwargs]}});
    Bytes::from(body.to_string())
}

/// Occurrences of `"id":` in the result of a `search_read` body (one per
/// record) and the value of the last one.
fn count_and_last_id(body: &[u8]) -> (usize, Option<i64>) {
    let key = b"\"id\":";
    let mut count = 0;
    let mut last = None;
    let result = b"\"result\":";
    let Some(mut i) = body.windows(result.len()).position(|w| w == result) else {
        return (0, None);
    };
    while let Some(pos) = body[i..].windows(key.len()).position(|w| w == key) {
        let start = i + pos + key.len();
        count += 1;
        let digits: String = body[start..]
            .iter()
            .skip_while(|b| b.is_ascii_whitespace())
            .take_while(|b| b.is_ascii_digit())
            .map(|b| char::from(*b))
            .collect();
        last = digits.parse().ok();
        i = start;
    }
    (count, last)
}

/// Runs `spec` with the raw baseline, decoding answers as `decode` says.
pub async fn run(spec: &Spec, decode: Decode) -> anyhow::Result<Output> {
    let raw = Raw {
        http: Client::builder(TokioExecutor::new()).build_http(),
        endpoint: format!("{}/jsonrpc", spec.url.trim_end_matches('/')).parse()?,
    };
    let login = json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
        "service": "common", "method": "login", "args": [spec.db, spec.login, spec.password]}});
    let reply: Value = serde_json::from_slice(&raw.post(Bytes::from(login.to_string())).await?)?;
    let uid = reply["result"].as_i64().context("login failed")?;
    let search = call(
        spec,
        uid,
        "search_read",
        json!([spec.domain]),
        json!({"fields": spec.fields, "limit": spec.limit}),
    );
    let mut clock = Clock::default();
    let mut items = 0u64;
    match spec.workload {
        Workload::Simple | Workload::ReadMany => {
            let simple = spec.workload == Workload::Simple;
            for _ in 0..spec.iterations {
                clock.start();
                let body = raw.post(search.clone()).await?;
                let n = match (decode, simple) {
                    (Decode::Typed, true) => count::<SimplePartner>(&body, decode)?,
                    (Decode::Typed, false) => count::<ManyPartner>(&body, decode)?,
                    (Decode::No, _) => 0,
                };
                clock.stop();
                items += match decode {
                    Decode::Typed => n,
                    Decode::No => count_and_last_id(&body).0 as u64,
                };
            }
        }
        Workload::Concurrent => {
            for _ in 0..spec.iterations {
                clock.start();
                let n = try_join_all((0..spec.concurrency).map(|_| async {
                    let body = raw.post(search.clone()).await?;
                    match decode {
                        Decode::Typed => count::<SimplePartner>(&body, decode),
                        Decode::No => Ok(0),
                    }
                    .map(|n| (n, body))
                }))
                .await?;
                clock.stop();
                items += n
                    .iter()
                    .map(|(typed, body)| match decode {
                        Decode::Typed => *typed,
                        Decode::No => count_and_last_id(body).0 as u64,
                    })
                    .sum::<u64>();
            }
        }
        Workload::BatchCreate => {
            for batch in 0..spec.iterations {
                let vals: Vec<Value> = (0..spec.create_count)
                    .map(|i| spec.create_values(batch, i))
                    .collect();
                let body = call(spec, uid, "create", json!([vals]), json!({}));
                clock.start();
                let reply = raw.post(body).await?;
                let typed = match decode {
                    Decode::Typed => {
                        Some(serde_json::from_slice::<Reply<Vec<i64>>>(&reply)?.result)
                    }
                    Decode::No => None,
                };
                clock.stop();
                let ids = match typed {
                    Some(ids) => ids,
                    None => serde_json::from_slice::<Reply<Vec<i64>>>(&reply)?.result,
                };
                items += ids.len() as u64;
                raw.post(call(spec, uid, "unlink", json!([ids]), json!({})))
                    .await?;
            }
        }
        Workload::Stream => {
            // The spec's domain with `id > LAST` added (implicit AND).
            let mut domain = spec.domain.as_array().cloned().unwrap_or_default();
            domain.push(json!(["id", ">", "__LAST__"]));
            let template = call(
                spec,
                uid,
                "search_read",
                json!([domain]),
                json!({"fields": spec.fields, "limit": spec.page_size, "order": "id"}),
            );
            let template =
                String::from_utf8(template.to_vec())?.replace("\"__LAST__\"", "__LAST__");
            for _ in 0..spec.iterations {
                clock.start();
                let mut last = 0i64;
                loop {
                    let body = Bytes::from(template.replace("__LAST__", &last.to_string()));
                    let reply = raw.post(body).await?;
                    let (n, page_last) = match decode {
                        Decode::No => count_and_last_id(&reply),
                        Decode::Typed => {
                            let page = rows::<StreamPartner>(&reply)?;
                            (page.len(), page.last().map(Record::record_id))
                        }
                    };
                    items += n as u64;
                    match page_last {
                        Some(id) if n >= spec.page_size => last = id,
                        _ => break,
                    }
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
        client: match decode {
            Decode::No => "raw hyper baseline".into(),
            Decode::Typed => "raw hyper baseline + serde_json into the typed rows".into(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::count_and_last_id;

    #[test]
    fn finds_record_ids() {
        let body =
            br#"{"jsonrpc":"2.0","id":1,"result":[{"id": 4,"name":"a"},{"id":17,"x":[3,"c"]}]}"#;
        assert_eq!(count_and_last_id(body), (2, Some(17)));
        assert_eq!(count_and_last_id(br#"{"id":1,"result":[]}"#), (0, None));
    }
}
