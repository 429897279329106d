//! criterion as the ladder's [`Clock`]: it times every contender in one benchmark group,
//! and the report reads its results back
//! (`<criterion dir>/<group>/<bench>/new/estimates.json`), so that it shows criterion's
//! own median and confidence interval.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{Context, Result, bail};
use criterion::Criterion;
use serde_json::Value;

use super::Timing;
use crate::ladder::{Clock, Contender};

/// Times contenders with criterion, as the benchmark group `group`.
pub struct CriterionClock<'c> {
    criterion: &'c mut Criterion,
    group: String,
    dir: PathBuf,
    started: SystemTime,
}

impl<'c> CriterionClock<'c> {
    /// A clock for the benchmarks of the workspace at `workspace`, starting now.
    pub fn new(criterion: &'c mut Criterion, group: &str, workspace: &Path) -> Self {
        Self {
            criterion,
            group: group.to_string(),
            dir: criterion_dir(workspace),
            started: SystemTime::now(),
        }
    }
}

impl Clock for CriterionClock<'_> {
    fn time(&mut self, contenders: &[Contender<'_>]) -> Result<Option<Vec<Timing>>> {
        let mut group = self.criterion.benchmark_group(&self.group);
        for c in contenders {
            group.bench_function(c.name, |b| b.iter(|| (c.fit)()));
        }
        group.finish();
        let Some(first) = contenders.first() else {
            return Ok(Some(Vec::new()));
        };
        if let Err(why) = timing(&self.dir, &self.group, first.name, self.started) {
            eprintln!("no speedup report: criterion did not measure in this run ({why:#})");
            return Ok(None);
        }
        let timings = contenders
            .iter()
            .map(|c| timing(&self.dir, &self.group, c.name, self.started))
            .collect::<Result<_>>()?;
        Ok(Some(timings))
    }
}

/// Where criterion writes: `$CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`, else
/// `target/criterion` under `workspace` (criterion's own rule).
pub fn criterion_dir(workspace: &Path) -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(target) => workspace.join(target).join("criterion"),
        None => workspace.join("target").join("criterion"),
    }
}

/// Criterion's median and 95 % confidence interval for one benchmark, provided it was
/// measured after `since` (an older file means this run did not measure it: criterion
/// was asked to profile, list or test instead).
pub fn timing(dir: &Path, group: &str, bench: &str, since: SystemTime) -> Result<Timing> {
    let base = dir.join(group).join(bench).join("new");
    let estimates = base.join("estimates.json");
    let modified = std::fs::metadata(&estimates)
        .and_then(|m| m.modified())
        .with_context(|| format!("{} (was the benchmark measured?)", estimates.display()))?;
    if modified < since {
        bail!("{} is from an earlier run", estimates.display());
    }
    let read = |p: &Path| -> Result<Value> {
        let text = std::fs::read_to_string(p).with_context(|| p.display().to_string())?;
        Ok(serde_json::from_str(&text)?)
    };
    let e = read(&estimates)?;
    let ns = |v: &Value| v.as_f64().context("a number in estimates.json");
    let median = &e["median"];
    let ci = &median["confidence_interval"];
    let samples = read(&base.join("sample.json"))
        .ok()
        .and_then(|s| s["times"].as_array().map(Vec::len))
        .unwrap_or(0);
    Ok(Timing {
        median_seconds: ns(&median["point_estimate"])? * 1e-9,
        ci_low_seconds: ns(&ci["lower_bound"])? * 1e-9,
        ci_high_seconds: ns(&ci["upper_bound"])? * 1e-9,
        samples,
        source: format!(
            "criterion: {samples} samples, bootstrap {:.0} % CI of the median",
            100.0 * ci["confidence_level"].as_f64().unwrap_or(0.95)
        ),
    })
}
