//! Where each rung wins: every stage of the ladder over n (10³ to 10⁷), d ∈ {2, 8, 32,
//! 128} and k ∈ {4, 16, 64, 256}, at 5 passes, each within a time budget per fit
//! (`kmeans_ladder::harness::scaling`). Writes `reports/scaling.json` and
//! `reports/scaling.html` (linked from the speedup report) as it goes, with a progress
//! bar on stderr. The Python peers (numba prange, scikit-learn lloyd, faiss) run on the
//! same points in the Python ladder's environment (`LADDER_PYTHON=off`: not).
//!
//! `cargo bench --bench scaling` (not part of the default `cargo bench`: it is long);
//! `LADDER_BENCH_QUICK=1` runs n to 10⁵ with a smaller budget. Under `cargo test` (no
//! `--bench` argument) it does nothing.

use std::path::Path;

use anyhow::Result;
use kmeans_ladder::harness::memory::Counting;
use kmeans_ladder::harness::python::PythonSettings;
use kmeans_ladder::harness::python::scaling::Peers;
use kmeans_ladder::harness::scaling::{self, Study};
use kmeans_ladder::harness::stages;

/// The harness's allocator (mimalloc), as the `ladder` CLI and every bench run on.
#[global_allocator]
static ALLOC: Counting = Counting;

fn main() -> Result<()> {
    if !std::env::args().any(|a| a == "--bench") {
        return Ok(());
    }
    let quick = std::env::var_os("LADDER_BENCH_QUICK").is_some();
    let study = if quick { Study::quick() } else { Study::full() };
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"));
    let threads = rayon::current_num_threads();
    let peers = PythonSettings::from_env(workspace, quick, threads).and_then(Peers::new);
    let reports = workspace.join("reports");
    let report = scaling::run(&study, stages::all(), peers, &reports)?;
    println!(
        "{} cells in {:.0} s; the fastest stage per (d, k):",
        report.cells.len(),
        report.seconds
    );
    for w in &report.winners {
        println!(
            "  d = {:>3}, k = {:>3}, n = {:>8}: {} ({:.2}× over {})",
            w.d, w.k, w.n, w.stage, w.margin, w.runner_up
        );
    }
    println!("Report: {}", reports.join("scaling.html").display());
    Ok(())
}
