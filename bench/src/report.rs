//! Statistics over the samples, the table, and the targets of the issue
//! checked against the measurements.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::spec::Workload;

/// Everything measured for one contender on one workload.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Measured {
    /// Client name and version, as the contender reported it.
    pub client: String,
    /// Samples, microseconds, all rounds together.
    pub samples_us: Vec<u64>,
    /// Records read or created.
    pub items: u64,
    /// Highest peak RSS over the runs, KiB.
    pub peak_rss_kib: u64,
    /// Client CPU time over all samples, microseconds.
    pub cpu_us: u64,
}

/// Median, p95 and min of the samples, in milliseconds.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Stats {
    /// Median.
    pub median_ms: f64,
    /// 95th percentile (nearest rank).
    pub p95_ms: f64,
    /// Fastest sample.
    pub min_ms: f64,
    /// Number of samples.
    pub samples: usize,
    /// Client CPU time per sample (user + system): what the client itself
    /// costs, whatever the server takes.
    pub cpu_ms_per_sample: f64,
}

impl Measured {
    /// The statistics, if there are samples.
    pub fn stats(&self) -> Option<Stats> {
        let mut s = self.samples_us.clone();
        if s.is_empty() {
            return None;
        }
        s.sort_unstable();
        let rank = |q: f64| {
            let idx = ((q * s.len() as f64).ceil() as usize).clamp(1, s.len()) - 1;
            s[idx] as f64 / 1000.0
        };
        let median = if s.len() % 2 == 1 {
            s[s.len() / 2] as f64 / 1000.0
        } else {
            (s[s.len() / 2 - 1] + s[s.len() / 2]) as f64 / 2000.0
        };
        Some(Stats {
            median_ms: median,
            p95_ms: rank(0.95),
            min_ms: s[0] as f64 / 1000.0,
            samples: s.len(),
            cpu_ms_per_sample: self.cpu_us as f64 / 1000.0 / s.len() as f64,
        })
    }
}

/// Results by workload, then by contender name.
pub type Results = BTreeMap<&'static str, BTreeMap<String, Measured>>;

/// One target of the issue and whether it was met.
#[derive(Debug, Clone, Serialize)]
pub struct Target {
    /// What is asked.
    pub target: String,
    /// What was measured.
    pub measured: String,
    /// Met or missed (`None`: a contender was missing).
    pub met: Option<bool>,
}

fn median(results: &Results, w: Workload, contender: &str) -> Option<f64> {
    results
        .get(w.name())?
        .get(contender)?
        .stats()
        .map(|s| s.median_ms)
}

fn cpu(results: &Results, w: Workload, contender: &str) -> Option<f64> {
    results
        .get(w.name())?
        .get(contender)?
        .stats()
        .map(|s| s.cpu_ms_per_sample)
}

/// For each workload, zenoo's client CPU per sample against the cheaper
/// Python client's and the raw baseline's: what the clients cost
/// themselves, with the server's time taken out.
pub fn cpu_lines(results: &Results) -> String {
    let mut out = String::new();
    for w in Workload::ALL {
        let Some(z) = cpu(results, w, ZENOO).filter(|z| *z > 0.0) else {
            continue;
        };
        let py = PYTHON
            .iter()
            .filter_map(|p| cpu(results, w, p).map(|c| (c, *p)))
            .min_by(|a, b| a.0.total_cmp(&b.0));
        let mut line = format!("- {}: zenoo {z:.3} ms", w.name());
        if let Some((p, name)) = py {
            let _ = write!(line, "; {name} {p:.3} ms ({:.1}x zenoo's)", p / z);
        }
        for floor in ["raw", "raw-typed"] {
            if let Some(r) = cpu(results, w, floor) {
                let _ = write!(line, "; {floor} {r:.3} ms ({:.2}x of it)", z / r);
            }
        }
        let _ = writeln!(out, "{line}");
    }
    out
}

fn rss(results: &Results, w: Workload, contender: &str) -> Option<u64> {
    results
        .get(w.name())?
        .get(contender)
        .map(|m| m.peak_rss_kib)
        .filter(|r| *r > 0)
}

/// The Python contenders' names.
pub const PYTHON: [&str; 4] = ["py-odoorpc", "py-odoolib", "py-odooly", "py-zenoo-rpc"];
/// Zenoo's reference contender.
pub const ZENOO: &str = "zenoo-jsonrpc";

/// A target met or not: `measured` text and the verdict, or not measured.
fn judged(target: String, measured: Option<(String, bool)>) -> Target {
    match measured {
        Some((measured, met)) => Target {
            target,
            measured,
            met: Some(met),
        },
        None => Target {
            target,
            measured: "not measured".into(),
            met: None,
        },
    }
}

/// Checks the targets. `flat` holds zenoo's stream peak RSS at the small
/// and the large scale.
pub fn targets(results: &Results, flat: Option<(u64, u64)>) -> Vec<Target> {
    let mut out = Vec::new();
    let simple = Workload::Simple;
    out.push(judged(
        "simple: zenoo's client CPU at most 2x the raw baseline's".into(),
        cpu(results, simple, ZENOO)
            .zip(cpu(results, simple, "raw"))
            .map(|(z, r)| {
                (
                    format!("{:.2}x ({z:.4} ms vs {r:.4} ms)", z / r),
                    z <= 2.0 * r,
                )
            }),
    ));
    out.push(judged(
        "simple: zenoo's median within 1.25x of the raw baseline's".into(),
        median(results, simple, ZENOO)
            .zip(median(results, simple, "raw"))
            .map(|(z, r)| {
                (
                    format!("{:.2}x ({z:.3} ms vs {r:.3} ms)", z / r),
                    z <= 1.25 * r,
                )
            }),
    ));
    for w in [Workload::ReadMany, Workload::Stream] {
        out.push(judged(
            format!("{}: zenoo's client CPU at most 1.3x raw-typed's", w.name()),
            cpu(results, w, ZENOO)
                .zip(cpu(results, w, "raw-typed"))
                .map(|(z, r)| {
                    (
                        format!("{:.2}x ({z:.3} ms vs {r:.3} ms)", z / r),
                        z <= 1.3 * r,
                    )
                }),
        ));
    }
    for w in Workload::ALL {
        let cheapest_py = PYTHON
            .iter()
            .filter_map(|p| cpu(results, w, p).map(|c| (c, *p)))
            .min_by(|a, b| a.0.total_cmp(&b.0));
        out.push(judged(
            format!(
                "{}: zenoo's client CPU at least 5x less than the cheapest Python client's",
                w.name()
            ),
            cpu(results, w, ZENOO)
                .filter(|z| *z > 0.0)
                .zip(cheapest_py)
                .map(|(z, (p, name))| {
                    (
                        format!("{:.1}x less than {name} ({z:.3} ms vs {p:.3} ms)", p / z),
                        p >= 5.0 * z,
                    )
                }),
        ));
        let smallest_py = PYTHON
            .iter()
            .filter_map(|p| rss(results, w, p).map(|r| (r, *p)))
            .min();
        out.push(judged(
            format!(
                "memory ({}): zenoo's peak RSS at most a third of the smallest Python client's",
                w.name()
            ),
            rss(results, w, ZENOO)
                .zip(smallest_py)
                .map(|(z, (p, name))| {
                    (
                        format!(
                            "{:.1} MiB vs {:.1} MiB ({name}): {:.2} of it",
                            z as f64 / 1024.0,
                            p as f64 / 1024.0,
                            z as f64 / p as f64
                        ),
                        z as f64 * 3.0 <= p as f64,
                    )
                }),
        ));
    }
    out.push(judged(
        "stream: zenoo's peak RSS flat as the record count grows (within 25%)".into(),
        flat.map(|(small, large)| {
            (
                format!(
                    "{:.1} MiB at the small scale, {:.1} MiB at the large one",
                    small as f64 / 1024.0,
                    large as f64 / 1024.0
                ),
                (large as f64) <= small as f64 * 1.25,
            )
        }),
    ));
    out
}

/// The results as a Markdown table, with each contender's median relative
/// to zenoo's.
pub fn table(results: &Results, order: &[String]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| workload | contender | median ms | p95 ms | min ms | samples | peak RSS MiB | median vs zenoo | client CPU ms/sample | CPU vs zenoo |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for w in Workload::ALL {
        let Some(by) = results.get(w.name()) else {
            continue;
        };
        let zenoo = median(results, w, ZENOO);
        let zenoo_cpu = cpu(results, w, ZENOO);
        for name in order {
            let Some(m) = by.get(name) else { continue };
            let Some(s) = m.stats() else { continue };
            let ratio = zenoo.map_or(String::new(), |z| format!("{:.2}x", s.median_ms / z));
            let cpu_ratio = zenoo_cpu.filter(|z| *z > 0.0).map_or(String::new(), |z| {
                format!("{:.2}x", s.cpu_ms_per_sample / z)
            });
            let _ = writeln!(
                out,
                "| {} | {name} | {:.3} | {:.3} | {:.3} | {} | {:.1} | {ratio} | {:.3} | {cpu_ratio} |",
                w.name(),
                s.median_ms,
                s.p95_ms,
                s.min_ms,
                s.samples,
                m.peak_rss_kib as f64 / 1024.0,
                s.cpu_ms_per_sample,
            );
        }
    }
    out
}

/// The targets as a Markdown list.
pub fn target_lines(targets: &[Target]) -> String {
    let mut out = String::new();
    for t in targets {
        let mark = match t.met {
            Some(true) => "met",
            Some(false) => "MISSED",
            None => "not measured",
        };
        let _ = writeln!(out, "- {mark}: {} — {}", t.target, t.measured);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_and_targets() {
        let m = Measured {
            samples_us: vec![5000, 1000, 3000, 2000, 4000],
            ..Default::default()
        };
        let s = m.stats().expect("samples");
        assert_eq!((s.median_ms, s.min_ms, s.p95_ms), (3.0, 1.0, 5.0));
        let mut results = Results::new();
        let mut simple = BTreeMap::new();
        let measured = |samples_us: u64, cpu_us: u64, peak_rss_kib: u64| Measured {
            samples_us: vec![samples_us],
            cpu_us,
            peak_rss_kib,
            ..Default::default()
        };
        simple.insert(ZENOO.to_string(), measured(1050, 30, 9000));
        simple.insert("raw".to_string(), measured(1000, 20, 0));
        simple.insert("py-odoorpc".to_string(), measured(2000, 100, 30000));
        results.insert("simple", simple);
        let t = targets(&results, Some((9000, 9500)));
        let verdict = |prefix: &str| {
            t.iter()
                .find(|t| t.target.starts_with(prefix))
                .and_then(|t| t.met)
        };
        assert_eq!(
            verdict("simple: zenoo's client CPU at most 2x"),
            Some(true),
            "1.5x of raw"
        );
        assert_eq!(
            verdict("simple: zenoo's median within"),
            Some(true),
            "1.05x of raw"
        );
        assert_eq!(
            verdict("simple: zenoo's client CPU at least 5x"),
            Some(false),
            "only 3.3x less than Python"
        );
        assert_eq!(verdict("memory (simple)"), Some(true), "9000 * 3 <= 30000");
        assert_eq!(verdict("read-many: zenoo's client CPU at most 1.3x"), None);
        assert_eq!(t.last().and_then(|t| t.met), Some(true));
        assert!(
            table(&results, &[ZENOO.into(), "raw".into()]).contains("| simple | raw | 1.000 |")
        );
    }
}
