//! The fast rungs on the scaling grid, side by side: per-pass times from their fits' own
//! clocks, the share of brute force's distances each skipped, and the brute-force
//! equivalent GFLOP/s, as `cargo bench --bench grid` prints them.

use std::path::Path;

use anyhow::{Context, Result};
use ladder_core::{Fit, Points, Stage};
use serde::{Deserialize, Serialize};

use crate::report::{Artifact, write_artifact};
use crate::stats;
use crate::table::{Align, Table};
use crate::workloads::Workload;

/// The grid as the report shows it: its rows, and where and when they were measured
/// (`reports/grid.json`, which the ladder's report reads).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridSection {
    /// The machine, toolchain, commit and date, in one line.
    pub measured_on: String,
    /// Threads the stages ran on.
    pub threads: usize,
    /// Fits each row's medians are over.
    pub fits: usize,
    /// A row per stage per workload.
    pub rows: Vec<GridRow>,
}

/// The grid's file in the report directory.
pub const GRID_JSON: &str = "grid.json";

impl GridSection {
    /// The grid written by the last `cargo bench --bench grid` into `dir`, if any.
    pub fn read(dir: &Path) -> Result<Option<Self>> {
        let path = dir.join(GRID_JSON);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(Some(
                serde_json::from_str(&text).with_context(|| path.display().to_string())?,
            )),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| path.display().to_string()),
        }
    }

    /// Writes the grid to `dir/grid.json`, and into the ladder's report there if one
    /// is (`results.json`, re-rendered with the grid in it); returns the files written.
    pub fn publish(&self, dir: &Path) -> Result<Vec<std::path::PathBuf>> {
        let json = serde_json::to_string_pretty(self)?;
        let mut written = vec![write_artifact(dir, &Artifact::text(GRID_JSON, json))?];
        written.extend(crate::report::redraw(dir)?);
        Ok(written)
    }
}

/// One stage on one workload: medians over its fits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridRow {
    /// The workload's name.
    pub workload: String,
    /// The stage's name.
    pub stage: String,
    /// Assignment passes per fit.
    pub passes: usize,
    /// Seconds of a whole fit (validation, layout, init included).
    pub whole_fit: f64,
    /// Seconds per pass, assignment and update.
    pub per_pass: f64,
    /// Seconds per pass in the assignment (the partial sums included).
    pub assign_per_pass: f64,
    /// The share of brute force's `n·k` distances per pass the fit did not compute, where
    /// the stage counts them.
    pub skipped: Option<f64>,
    /// `2·n·k·d` per pass over the time per pass, in GFLOP/s: what brute force would
    /// have to reach to be as fast. For a stage that skips nothing it is what the
    /// distance step achieved (update included).
    pub equivalent_gflops: f64,
}

/// Fits per row (3 in quick mode).
pub const FITS: usize = 5;

/// Each of `stages` on workload `w`'s `points`, `fits` times, interleaved (one fit of
/// each stage per round, so that drift in the machine's speed touches all alike).
pub fn measure_rows(
    stages: &[&dyn Stage],
    w: &Workload,
    points: Points<'_>,
    fits: usize,
) -> Result<Vec<GridRow>> {
    let params = w.params();
    let rounds = fits;
    let mut fits: Vec<Vec<(f64, Fit)>> = vec![Vec::new(); stages.len()];
    for _ in 0..rounds {
        for (stage, fits) in stages.iter().zip(&mut fits) {
            let t = std::time::Instant::now();
            let fit = stage.fit(points, &params)?;
            fits.push((t.elapsed().as_secs_f64(), fit));
        }
    }
    Ok(stages
        .iter()
        .zip(&fits)
        .map(|(stage, fits)| row(stage.name(), w, fits))
        .collect())
}

/// The row of one stage's timed fits.
fn row(stage: &str, w: &Workload, fits: &[(f64, Fit)]) -> GridRow {
    let passes = fits[0].1.iterations;
    let per = |f: fn(&Fit) -> f64| {
        let values: Vec<f64> = fits.iter().map(|(_, fit)| f(fit) / passes as f64).collect();
        stats::median(&values)
    };
    let per_pass = per(|f| f.assign_seconds + f.update_seconds);
    let all_pairs = (w.n as f64) * (w.k as f64) * passes as f64;
    GridRow {
        workload: w.name.to_string(),
        stage: stage.to_string(),
        passes,
        whole_fit: stats::median(&fits.iter().map(|(s, _)| *s).collect::<Vec<_>>()),
        per_pass,
        assign_per_pass: per(|f| f.assign_seconds),
        skipped: fits[0]
            .1
            .distance_evaluations
            .map(|e| 1.0 - e as f64 / all_pairs),
        equivalent_gflops: w.distance_flops_per_pass() / per_pass / 1e9,
    }
}

/// The rows as a markdown table, with each row's time beside the first stage's on the
/// same workload.
pub fn table(rows: &[GridRow]) -> Table {
    let mut table = Table::new(&[
        ("workload", Align::Left),
        ("stage", Align::Left),
        ("passes", Align::Right),
        ("whole fit", Align::Right),
        ("per pass", Align::Right),
        ("assign per pass", Align::Right),
        ("distances skipped", Align::Right),
        ("brute-force-equivalent GFLOP/s", Align::Right),
        ("speedup per pass", Align::Right),
    ]);
    let ms = |s: f64| format!("{:.3} ms", s * 1e3);
    for r in rows {
        let first = rows.iter().find(|f| f.workload == r.workload).unwrap_or(r);
        table.push(vec![
            r.workload.clone(),
            r.stage.clone(),
            r.passes.to_string(),
            ms(r.whole_fit),
            ms(r.per_pass),
            ms(r.assign_per_pass),
            match r.skipped {
                Some(s) => format!("{:.1} %", 100.0 * s),
                None => "—".into(),
            },
            format!("{:.1}", r.equivalent_gflops),
            format!("{:.2}×", first.per_pass / r.per_pass),
        ]);
    }
    table
}
