//! The `parallel` stage on the scaling grid: per-pass times from its fits' own clocks and
//! the distance step's achieved GFLOP/s, as `cargo bench --bench parallel_grid` prints
//! them.

use anyhow::Result;
use ladder_core::{Points, Stage};
use ladder_pruned::{PrunedFacts, Share};

use crate::stats;
use crate::table::{Align, Table};
use crate::workloads::Workload;

/// What the distance step achieved in a fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Throughput {
    /// `2 n k d` floating-point operations per pass over the assignment's time.
    GflopsPerSecond(f64),
    /// A fit on bounds computes far fewer distances: the share of brute force's
    /// distances it skipped.
    Bounds(Share),
}

/// One workload's row: medians over [`FITS`] fits.
#[derive(Debug, Clone, PartialEq)]
pub struct GridRow {
    /// The workload's name.
    pub workload: String,
    /// Assignment passes per fit.
    pub passes: usize,
    /// Seconds of a whole fit (validation, layout, init included).
    pub whole_fit: f64,
    /// Seconds per pass, assignment and update.
    pub per_pass: f64,
    /// Seconds per pass in the assignment (the partial sums included).
    pub assign_per_pass: f64,
    /// What the distance step achieved.
    pub throughput: Throughput,
}

/// Fits per row.
pub const FITS: usize = 5;

/// `stage` on workload `w`'s `points`, [`FITS`] times.
pub fn measure_row(stage: &dyn Stage, w: &Workload, points: Points<'_>) -> Result<GridRow> {
    let params = w.params();
    let mut whole = Vec::new();
    let mut fits = Vec::new();
    for _ in 0..FITS {
        let t = std::time::Instant::now();
        let fit = stage.fit(points, &params)?;
        whole.push(t.elapsed().as_secs_f64());
        fits.push(fit);
    }
    let passes = fits[0].iterations;
    let per = |f: fn(&ladder_core::Fit) -> f64| {
        stats::median(
            &fits
                .iter()
                .map(|fit| f(fit) / passes as f64)
                .collect::<Vec<_>>(),
        )
    };
    let assign_per_pass = per(|f| f.assign_seconds);
    let throughput = match fits[0].details.get::<PrunedFacts>() {
        Some(pruned) => Throughput::Bounds(pruned.skipped),
        None => Throughput::GflopsPerSecond(w.distance_flops_per_pass() / assign_per_pass / 1e9),
    };
    Ok(GridRow {
        workload: w.name.to_string(),
        passes,
        whole_fit: stats::median(&whole),
        per_pass: per(|f| f.assign_seconds + f.update_seconds),
        assign_per_pass,
        throughput,
    })
}

/// The rows as a markdown table.
pub fn table(rows: &[GridRow]) -> Table {
    let mut table = Table::new(&[
        ("workload", Align::Left),
        ("passes", Align::Right),
        ("whole fit", Align::Right),
        ("per pass", Align::Right),
        ("assign per pass", Align::Right),
        ("GFLOP/s (2nkd over the assign sweep)", Align::Right),
    ]);
    let ms = |s: f64| format!("{:.3} ms", s * 1e3);
    for r in rows {
        table.push(vec![
            r.workload.clone(),
            r.passes.to_string(),
            ms(r.whole_fit),
            ms(r.per_pass),
            ms(r.assign_per_pass),
            match r.throughput {
                Throughput::GflopsPerSecond(g) => format!("{g:.1}"),
                Throughput::Bounds(skipped) => {
                    format!("— (bounds: {skipped} of the distances skipped)")
                }
            },
        ]);
    }
    table
}
