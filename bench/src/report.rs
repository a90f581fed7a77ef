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
        let raw = cpu(results, w, "raw");
        let mut line = format!("- {}: zenoo {z:.3} ms", w.name());
        if let Some((p, name)) = py {
            let _ = write!(line, "; {name} {p:.3} ms ({:.1}x zenoo's)", p / z);
        }
        if let Some(r) = raw {
            let _ = write!(line, "; raw {r:.3} ms");
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

/// Checks the targets. `flat` holds zenoo's stream peak RSS at the
/// small and the large scale.
pub fn targets(results: &Results, flat: Option<(u64, u64)>) -> Vec<Target> {
    let mut out = Vec::new();
    let z_simple = median(results, Workload::Simple, ZENOO);
    let raw_simple = median(results, Workload::Simple, "raw");
    out.push(match (z_simple, raw_simple) {
        (Some(z), Some(r)) => Target {
            target: "simple: zenoo within 1.10x of the raw baseline's median".into(),
            measured: format!("{:.2}x ({z:.3} ms vs {r:.3} ms)", z / r),
            met: Some(z / r <= 1.10),
        },
        _ => Target {
            target: "simple: zenoo within 1.10x of the raw baseline's median".into(),
            measured: "not measured".into(),
            met: None,
        },
    });
    for w in Workload::ALL {
        let need = match w {
            Workload::BatchCreate | Workload::Concurrent => 5.0,
            _ => 3.0,
        };
        let fastest_py = PYTHON
            .iter()
            .filter_map(|p| median(results, w, p).map(|m| (m, *p)))
            .min_by(|a, b| a.0.total_cmp(&b.0));
        let target = format!(
            "{}: zenoo at least {need}x faster than the faster Python client",
            w.name()
        );
        out.push(match (median(results, w, ZENOO), fastest_py) {
            (Some(z), Some((p, name))) => Target {
                target,
                measured: format!("{:.1}x vs {name} ({z:.2} ms vs {p:.2} ms)", p / z),
                met: Some(p / z >= need),
            },
            _ => Target {
                target,
                measured: "not measured".into(),
                met: None,
            },
        });
    }
    for w in [Workload::ReadMany, Workload::Stream] {
        let smallest_py = PYTHON
            .iter()
            .filter_map(|p| rss(results, w, p).map(|r| (r, *p)))
            .min();
        let target = format!(
            "memory ({}): zenoo's peak RSS at most a third of the smaller Python client's",
            w.name()
        );
        out.push(match (rss(results, w, ZENOO), smallest_py) {
            (Some(z), Some((p, name))) => Target {
                target,
                measured: format!(
                    "{:.1} MiB vs {:.1} MiB ({name}): {:.2} of it",
                    z as f64 / 1024.0,
                    p as f64 / 1024.0,
                    z as f64 / p as f64
                ),
                met: Some(z as f64 * 3.0 <= p as f64),
            },
            _ => Target {
                target,
                measured: "not measured".into(),
                met: None,
            },
        });
    }
    out.push(match flat {
        Some((small, large)) => Target {
            target: "stream: zenoo's peak RSS flat as the record count grows (within 25%)".into(),
            measured: format!(
                "{:.1} MiB at the small scale, {:.1} MiB at the large one",
                small as f64 / 1024.0,
                large as f64 / 1024.0
            ),
            met: Some((large as f64) <= small as f64 * 1.25),
        },
        None => Target {
            target: "stream: zenoo's peak RSS flat as the record count grows".into(),
            measured: "not measured".into(),
            met: None,
        },
    });
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
        simple.insert(
            ZENOO.to_string(),
            Measured {
                samples_us: vec![1050],
                peak_rss_kib: 9000,
                ..Default::default()
            },
        );
        simple.insert(
            "raw".to_string(),
            Measured {
                samples_us: vec![1000],
                ..Default::default()
            },
        );
        simple.insert(
            "py-odoorpc".to_string(),
            Measured {
                samples_us: vec![2000],
                peak_rss_kib: 30000,
                ..Default::default()
            },
        );
        results.insert("simple", simple);
        let t = targets(&results, Some((9000, 9500)));
        assert_eq!(t[0].met, Some(true), "1.05x of raw");
        assert_eq!(t[1].met, Some(false), "only 2x faster than Python");
        assert_eq!(t.last().and_then(|t| t.met), Some(true));
        assert!(
            table(&results, &[ZENOO.into(), "raw".into()]).contains("| simple | raw | 1.000 |")
        );
    }
}
