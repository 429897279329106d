//! The seed's speedup table, measured properly: every stage of the ladder on the seed
//! workload (`make_blobs(5000, centers=4, cluster_std=0.6, random_state=0)`, k = 10,
//! last-k init, run to convergence), plus an existing implementation (linfa-clustering)
//! from the same initial centers. `kmeans_ladder::harness::ladder::measure` checks the
//! work, times it with criterion (`target/criterion/seed-ladder/`), profiles each stage
//! into `reports/flamegraphs/`, and the report — `reports/speedup.md`, `results.json`,
//! charts, `index.html` — is written and the table printed.
//!
//! The seed's Python ladder runs beside it on the same points (`harness::python`: its own
//! environment under `target/python-ladder/`, made on first run; `LADDER_PYTHON=off`
//! skips it), and each row's heap is counted by the allocator this bench installs.
//!
//! `LADDER_BENCH_QUICK=1` takes few samples (for CI); `cargo bench -- --profile-time N`
//! profiles with criterion's hook instead (a flamegraph per stage in criterion's
//! directory, no report); `--save-baseline` / `--baseline` work as in any criterion bench.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use anyhow::Result;
use criterion::Criterion;
use kmeans_ladder::harness::ladder::{self, Existing, Settings};
use kmeans_ladder::harness::memory::Counting;
use kmeans_ladder::harness::profile::CriterionPprof;
use kmeans_ladder::harness::python::PythonSettings;
use kmeans_ladder::harness::report::criterion::{CriterionClock, criterion_dir};
use kmeans_ladder::harness::stages;
use kmeans_ladder::harness::workloads::Workload;
use linfa::prelude::*;
use linfa_clustering::{KMeans, KMeansInit};
use ndarray016::Array2;

const GROUP: &str = "seed-ladder";

/// Counts the heap each fit takes (only while a measurement asks; free otherwise), over
/// the harness's allocator (mimalloc), as the `ladder` CLI and every bench run on.
#[global_allocator]
static ALLOC: Counting = Counting;

/// linfa's KMeans from our initial centers; returns its labels.
fn linfa_fit(data: &Array2<f64>, initial: &Array2<f64>, k: usize) -> Vec<u32> {
    let dataset = DatasetBase::from(data.clone());
    let model = KMeans::params(k)
        .n_runs(1)
        .tolerance(f64::MIN_POSITIVE)
        .max_n_iterations(1000)
        .init_method(KMeansInit::Precomputed(initial.clone()))
        .fit(&dataset)
        .expect("linfa fits the seed workload");
    model.predict(data).iter().map(|&l| l as u32).collect()
}

fn main() -> Result<()> {
    let quick = std::env::var_os("LADDER_BENCH_QUICK").is_some();
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut c = Criterion::default().with_profiler(CriterionPprof::default());
    if quick {
        c = c
            .sample_size(10)
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_secs(1));
    }
    let mut c = c.configure_from_args();

    let w = Workload::SEED;
    let points = w.points();
    let params = w.params();
    // The existing implementation, on the same points and initial centers.
    let data = Array2::from_shape_vec((w.n, w.d), points.as_slice().to_vec())?;
    let start = params.check(points.view())?.initial_centers().to_vec();
    let initial = Array2::from_shape_vec((w.k, w.d), start)?;
    let linfa = Existing {
        name: "linfa-clustering".into(),
        summary: "linfa-clustering 0.8 KMeans: Lloyd's algorithm with its own stop rule \
            (centroid shift below a tolerance, set here to the smallest positive double so that it stops \
            when the centroids stop moving), one run (n_runs = 1) from the same last-k initial centers; \
            labels from its predict()"
            .into(),
        fit: Box::new(|| linfa_fit(black_box(&data), &initial, w.k)),
    };

    let criterion_index = criterion_dir(workspace).join("report").join("index.html");
    let settings = Settings {
        outcome_fits: if quick { 3 } else { 7 },
        profile_time: Duration::from_millis(if quick { 300 } else { 2000 }),
        mode: match quick {
            true => "quick (LADDER_BENCH_QUICK: few samples)".into(),
            false => "full".into(),
        },
        criterion_report: Some(match criterion_index.strip_prefix(workspace) {
            Ok(rel) => format!("../{}", rel.display()),
            Err(_) => format!("file://{}", criterion_index.display()),
        }),
        source_root: workspace.to_path_buf(),
        python: PythonSettings::from_env(workspace, quick, rayon::current_num_threads()),
    };
    let reports = workspace.join("reports");
    let mut clock = CriterionClock::new(&mut c, GROUP, workspace);
    let report = ladder::measure(
        &w,
        &points,
        stages::all(),
        vec![linfa],
        &mut clock,
        &reports,
        &settings,
    )?;
    c.final_summary();
    match report {
        Some(report) => ladder::publish(&report, &reports),
        None => Ok(()),
    }
}
