//! Where each rung wins: every stage over a grid of n, d and k (`cargo bench --bench
//! scaling`), at a fixed number of passes, on data from the fast generator.
//!
//! Each stage has a time budget per fit. A cell whose fit, predicted from the same
//! stage's last measured n on the same (d, k) (time grows at least linearly in n), would
//! exceed it is skipped and says why — never extrapolated into a figure — and so are
//! the larger n after it. The results ([`ScalingReport`]: every cell, the fitted
//! exponents, the fastest stage per (d, k)) are written after each (d, k), so that an
//! interrupted study keeps what it measured.

mod analysis;
mod page;

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use ladder_blobs::{BlobSpec, Generator, make_blobs};
use ladder_core::{FitParams, Matrix, Stage};
use serde::{Deserialize, Serialize};

pub use analysis::{Exponents, Winner, exponents, winners};

use crate::python::scaling::Peers;
use crate::report::{AbsentRow, Artifact, Machine, write_artifact};
use crate::stats;

/// Bumped whenever a field of [`ScalingReport`] changes meaning or disappears.
pub const SCALING_SCHEMA: u32 = 1;

/// The largest data a cell may generate: bigger cells are skipped.
const MAX_DATA_BYTES: usize = 2 << 30;

/// What the study measures.
#[derive(Debug, Clone, PartialEq)]
pub struct Study {
    /// Points, ascending.
    pub ns: Vec<usize>,
    /// Features.
    pub ds: Vec<usize>,
    /// Clusters.
    pub ks: Vec<usize>,
    /// Passes per fit, no early stop.
    pub passes: usize,
    /// Most a stage's fit may take.
    pub budget: Duration,
    /// Timed fits per cell.
    pub fits: usize,
}

impl Study {
    /// The full study: n from 10³ to 10⁷ (log-spaced, half decades), d ∈ {2, 8, 32,
    /// 128}, k ∈ {4, 16, 64, 256}, 5 passes, 1 s a fit, 3 fits a cell.
    pub fn full() -> Self {
        Self {
            ns: vec![
                1_000, 3_000, 10_000, 30_000, 100_000, 300_000, 1_000_000, 3_000_000, 10_000_000,
            ],
            ds: vec![2, 8, 32, 128],
            ks: vec![4, 16, 64, 256],
            passes: 5,
            budget: Duration::from_secs(1),
            fits: 3,
        }
    }

    /// `LADDER_BENCH_QUICK`: n to 10⁵ by decades, 0.2 s a fit, 2 fits a cell.
    pub fn quick() -> Self {
        Self {
            ns: vec![1_000, 10_000, 100_000],
            budget: Duration::from_millis(200),
            fits: 2,
            ..Self::full()
        }
    }

    fn cells(&self, stages: usize) -> u64 {
        (self.ns.len() * self.ds.len() * self.ks.len() * stages) as u64
    }
}

/// One stage at one (n, d, k).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// The stage.
    pub stage: String,
    /// Points.
    pub n: usize,
    /// Features.
    pub d: usize,
    /// Clusters.
    pub k: usize,
    /// What became of it.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// A cell measured, or skipped and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Outcome {
    /// Seconds per pass (a whole fit's wall time over its passes): the median over the
    /// fits, and the fastest and slowest.
    Measured {
        /// Median seconds per pass.
        median: f64,
        /// Fastest fit's seconds per pass.
        low: f64,
        /// Slowest fit's seconds per pass.
        high: f64,
        /// Timed fits.
        fits: usize,
    },
    /// Not run.
    Skipped {
        /// Why.
        reason: String,
    },
}

impl Cell {
    /// The median seconds per pass, if measured.
    pub fn median(&self) -> Option<f64> {
        match self.outcome {
            Outcome::Measured { median, .. } => Some(median),
            Outcome::Skipped { .. } => None,
        }
    }
}

/// The study's results: `reports/scaling.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScalingReport {
    /// [`SCALING_SCHEMA`].
    pub schema_version: u32,
    /// Where and when.
    pub machine: Machine,
    /// Passes per fit.
    pub passes: usize,
    /// Seconds a fit may take.
    pub budget_seconds: f64,
    /// Timed fits per cell.
    pub fits: usize,
    /// Every cell so far, in the order run.
    pub cells: Vec<Cell>,
    /// Each stage's fitted cost exponents.
    pub exponents: Vec<Exponents>,
    /// The fastest stage per (d, k) at the largest n measured.
    pub winners: Vec<Winner>,
    /// Whether every cell has been run (an interrupted study says false).
    pub complete: bool,
    /// Seconds the study took so far.
    pub seconds: f64,
    /// Peers that could not run here, and why (the Python ones without their packages).
    #[serde(default)]
    pub absent: Vec<AbsentRow>,
}

impl ScalingReport {
    fn new(study: &Study, cells: Vec<Cell>, absent: &[AbsentRow], seconds: f64) -> Self {
        Self {
            absent: absent.to_vec(),
            schema_version: SCALING_SCHEMA,
            machine: Machine::detect(),
            passes: study.passes,
            budget_seconds: study.budget.as_secs_f64(),
            fits: study.fits,
            exponents: exponents(&cells),
            winners: winners(&cells),
            cells,
            complete: false,
            seconds,
        }
    }

    fn finished(mut self) -> Self {
        self.complete = true;
        self
    }

    /// Writes `scaling.json` and `scaling.html` (and its charts) into `dir`.
    pub fn write(&self, dir: &Path) -> Result<()> {
        let json = serde_json::to_string_pretty(self)? + "\n";
        write_artifact(dir, &Artifact::text("scaling.json", json))?;
        for artifact in page::render(self)? {
            write_artifact(dir, &artifact)?;
        }
        Ok(())
    }
}

/// Runs `study` over `stages` (and the Python `peers`, if any), writing the results into
/// `dir` after each (d, k).
pub fn run(
    study: &Study,
    stages: &[&dyn Stage],
    mut peers: Option<Peers>,
    dir: &Path,
) -> Result<ScalingReport> {
    let started = Instant::now();
    let bar = ProgressBar::new(study.cells(stages.len()));
    bar.set_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:40}] {pos}/{len} cells, ~{eta} left: {msg}",
        )
        .expect("a valid template")
        .progress_chars("=> "),
    );
    let (mut cells, mut absent) = (Vec::new(), Vec::new());
    for &d in &study.ds {
        for &k in &study.ks {
            run_line(study, stages, (d, k), (&bar, peers.as_mut()), &mut cells)?;
            if let Some(peers) = peers.as_mut() {
                bar.set_message(format!("the Python peers at d = {d}, k = {k}"));
                python_line(study, peers, &mut cells, &mut absent);
            }
            let seconds = started.elapsed().as_secs_f64();
            ScalingReport::new(study, cells.clone(), &absent, seconds).write(dir)?;
        }
    }
    bar.finish_with_message("done");
    let seconds = started.elapsed().as_secs_f64();
    let report = ScalingReport::new(study, cells, &absent, seconds).finished();
    report.write(dir)?;
    // The speedup report beside it, if any, now links to the study.
    crate::report::redraw(dir)?;
    Ok(report)
}

/// The Python peers on the line just measured; a failure is recorded, not fatal.
fn python_line(
    study: &Study,
    peers: &mut Peers,
    cells: &mut Vec<Cell>,
    absent: &mut Vec<AbsentRow>,
) {
    let (found, missing) = match peers.run_line(study) {
        Ok(out) => out,
        Err(e) => {
            let why = format!("{e:#}");
            let name = "the Python peers".to_string();
            (Vec::new(), vec![AbsentRow { name, why }])
        }
    };
    cells.extend(found);
    for a in missing {
        if !absent.iter().any(|b| b.name == a.name) {
            absent.push(a);
        }
    }
}

/// Every stage over the n of one (d, k).
fn run_line(
    study: &Study,
    stages: &[&dyn Stage],
    (d, k): (usize, usize),
    (bar, mut peers): (&ProgressBar, Option<&mut Peers>),
    cells: &mut Vec<Cell>,
) -> Result<()> {
    // Each stage's last measured (n, seconds a fit), or why it stopped.
    let mut last: Vec<Result<Option<(usize, f64)>, String>> = vec![Ok(None); stages.len()];
    for &n in &study.ns {
        let plans: Vec<Result<(), String>> = last
            .iter()
            .map(|l| plan(l, n, (d, k), study.budget))
            .collect();
        let data = match plans.iter().any(Result::is_ok) {
            true => Some(points(n, d, k)?),
            false => None,
        };
        if let (Some(peers), Some(points)) = (peers.as_deref_mut(), &data) {
            peers.keep(points, k)?;
        }
        for (s, stage) in stages.iter().enumerate() {
            bar.set_message(format!("{} at n = {n}, d = {d}, k = {k}", stage.name()));
            let outcome = match (&plans[s], &data) {
                (Ok(()), Some(points)) => {
                    let (outcome, per_fit) = measure(*stage, points, k, study)?;
                    last[s] = Ok(Some((n, per_fit)));
                    outcome
                }
                (plan, _) => {
                    let reason = reason_of(plan);
                    if last[s].is_ok() {
                        last[s] = Err(format!("skipped at n = {n}"));
                    }
                    Outcome::Skipped { reason }
                }
            };
            cells.push(Cell {
                stage: stage.name().into(),
                n,
                d,
                k,
                outcome,
            });
            bar.inc(1);
        }
    }
    Ok(())
}

fn reason_of(plan: &Result<(), String>) -> String {
    plan.clone().err().unwrap_or_else(|| "no data".into())
}

/// Whether a stage whose last measurement is `last` should run at `n`: not past the
/// budget by prediction (linear in n from its last measured n), not once skipped, not
/// with k > n or data beyond the memory cap.
fn plan(
    last: &Result<Option<(usize, f64)>, String>,
    n: usize,
    (d, k): (usize, usize),
    budget: Duration,
) -> Result<(), String> {
    if k > n {
        return Err(format!("k = {k} > n = {n}"));
    }
    if n * d * 8 > MAX_DATA_BYTES {
        return Err(format!(
            "the points would take {} GiB, over the study's {} GiB",
            (n * d * 8) >> 30,
            MAX_DATA_BYTES >> 30
        ));
    }
    match last {
        Err(why) => Err(format!("{why} (over the budget there)")),
        Ok(None) => Ok(()),
        Ok(Some((m, seconds))) => {
            let predicted = seconds * n as f64 / *m as f64;
            match predicted > budget.as_secs_f64() {
                true => Err(format!(
                    "a fit would take about {predicted:.1} s (from {seconds:.2} s at n = {m}), over the {:.1} s budget",
                    budget.as_secs_f64()
                )),
                false => Ok(()),
            }
        }
    }
}

/// `make_blobs(n, centers = k, n_features = d, cluster_std = 1, seed 0)`, fast generator.
fn points(n: usize, d: usize, k: usize) -> Result<Matrix> {
    let spec = BlobSpec::new(n, k).features(d).std(1.0);
    Ok(make_blobs(&spec, Generator::Fast)?.points)
}

/// `study.fits` fits of `stage` (after a warm-up when a fit is short): seconds per pass
/// — a whole fit's wall time over its passes, validation, layout and start-up included,
/// as its user waits for it — and the median whole fit (for the next prediction).
fn measure(stage: &dyn Stage, points: &Matrix, k: usize, study: &Study) -> Result<(Outcome, f64)> {
    let params = FitParams::new(k)
        .max_iter(study.passes)
        .run_all_iterations();
    let view = points.view();
    let timed = || -> Result<f64> {
        let t = Instant::now();
        let fit = stage.fit(view, &params)?;
        Ok(t.elapsed().as_secs_f64() / fit.iterations.max(1) as f64)
    };
    let first = timed()?;
    // A short fit's first run warms caches and pages; a long one's is timed too.
    let mut per_pass = Vec::with_capacity(study.fits);
    if first * study.passes as f64 >= 0.1 {
        per_pass.push(first);
    }
    while per_pass.len() < study.fits {
        per_pass.push(timed()?);
    }
    let sorted = stats::sorted(&per_pass);
    let median = stats::median(&per_pass);
    let outcome = Outcome::Measured {
        median,
        low: sorted[0],
        high: sorted[sorted.len() - 1],
        fits: per_pass.len(),
    };
    Ok((outcome, median * study.passes as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_past_the_budget_is_skipped_with_its_reason() {
        let budget = Duration::from_secs(1);
        assert_eq!(plan(&Ok(None), 1000, (2, 4), budget), Ok(()));
        assert_eq!(
            plan(&Ok(Some((1000, 0.05))), 10_000, (2, 4), budget),
            Ok(())
        );
        let over = plan(&Ok(Some((1000, 0.5))), 10_000, (2, 4), budget).unwrap_err();
        assert!(
            over.contains("about 5.0 s") && over.contains("at n = 1000"),
            "{over}"
        );
        let after = plan(&Err("skipped at n = 10000".into()), 100_000, (2, 4), budget);
        assert!(after.unwrap_err().contains("skipped at n = 10000"));
        assert!(
            plan(&Ok(None), 100, (2, 256), budget)
                .unwrap_err()
                .contains("k = 256 > n")
        );
        let huge = plan(&Ok(None), 10_000_000, (128, 4), budget).unwrap_err();
        assert!(huge.contains("GiB"), "{huge}");
    }
}
