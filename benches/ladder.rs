//! The seed's speedup table, measured properly: every stage of the ladder on the seed
//! workload (`make_blobs(5000, centers=4, cluster_std=0.6, random_state=0)`, k = 10,
//! last-k init, run to convergence), plus an existing implementation (linfa-clustering)
//! from the same initial centers.
//!
//! 1. Every stage's labels and iterations are compared with `naive`'s before timing.
//! 2. criterion times every stage (`target/criterion/seed-ladder/`).
//! 3. A separate pass profiles each stage with pprof into `reports/flamegraphs/`, and a
//!    few more fits give the assignment/update split.
//! 4. The report — `reports/speedup.md`, `results.json`, charts, `index.html` — is
//!    written and the table printed.
//!
//! `LADDER_BENCH_QUICK=1` takes few samples (for CI); `cargo bench -- --profile-time N`
//! profiles with criterion's hook instead (a flamegraph per stage in criterion's
//! directory, no report); `--save-baseline` / `--baseline` work as in any criterion bench.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result};
use criterion::Criterion;
use criterion::profiler::Profiler;
use kmeans_ladder::core::init;
use kmeans_ladder::harness::report::{
    self, Machine, Markdown, Measurement, Report, RowKind, WorkloadInfo,
};
use kmeans_ladder::harness::workloads::Workload;
use kmeans_ladder::harness::{profile, run, stages};
use linfa::prelude::*;
use linfa_clustering::{KMeans, KMeansInit};

const GROUP: &str = "seed-ladder";
const EXISTING: &str = "linfa-clustering";
const EXISTING_SUMMARY: &str = "linfa-clustering 0.8 KMeans: Lloyd's algorithm with its own stop rule \
    (centroid shift below a tolerance, set here to the smallest positive double so that it stops \
    when the centroids stop moving), one run (n_runs = 1) from the same last-k initial centers; \
    labels from its predict()";

/// criterion's `--profile-time` hook: pprof around the profiled iterations.
struct Pprof(Option<profile::Profile>);

impl Profiler for Pprof {
    fn start_profiling(&mut self, _id: &str, _dir: &Path) {
        self.0 = profile::Profile::start().ok();
    }

    fn stop_profiling(&mut self, id: &str, dir: &Path) {
        if let Some(p) = self.0.take() {
            let path = dir.join("flamegraph.svg");
            match p.write_flamegraph(&path, id) {
                Ok(()) => eprintln!("flamegraph: {}", path.display()),
                Err(e) => eprintln!("flamegraph of {id} failed: {e:#}"),
            }
        }
    }
}

/// linfa's KMeans from our initial centers; returns its labels.
fn linfa_fit(
    data: &ndarray016::Array2<f64>,
    initial: &ndarray016::Array2<f64>,
    k: usize,
) -> Vec<u32> {
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
    let reports = workspace.join("reports");
    let started = SystemTime::now();

    let mut c = Criterion::default().with_profiler(Pprof(None));
    if quick {
        c = c
            .sample_size(10)
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_secs(1));
    }
    let mut c = c.configure_from_args();

    let w = Workload::SEED;
    let matrix = w.points();
    let points = matrix.view();
    let params = w.params();
    let (n, d, k) = (w.n, w.d, w.k);

    // The existing implementation, on the same points and initial centers.
    let data = ndarray016::Array2::from_shape_vec((n, d), matrix.as_slice().to_vec())?;
    let initial =
        ndarray016::Array2::from_shape_vec((k, d), init::initial_centers(points, &params))?;

    // 1. Equal work first: each stage against naive, before any timing.
    let outcomes: Vec<run::Outcome> = stages::all()
        .iter()
        .map(|s| run::outcome(*s, points, &params, if quick { 3 } else { 7 }))
        .collect::<Result<_>>()?;
    let linfa_labels = linfa_fit(&data, &initial, k);
    for (stage, o) in stages::all().iter().zip(&outcomes) {
        let same = o.labels == outcomes[0].labels && o.iterations == outcomes[0].iterations;
        if !same {
            eprintln!(
                "warning: {} does not match naive's labels and iterations; it is marked in the table",
                stage.name()
            );
        }
    }

    // 2. The timed samples.
    let mut group = c.benchmark_group(GROUP);
    for stage in stages::all() {
        group.bench_function(stage.name(), |b| {
            b.iter(|| stage.fit(black_box(points), &params).unwrap())
        });
    }
    group.bench_function(EXISTING, |b| {
        b.iter(|| linfa_fit(black_box(&data), &initial, k))
    });
    group.finish();
    c.final_summary();

    let criterion_dir = report::criterion::criterion_dir(workspace);
    let measured = report::criterion::timing(&criterion_dir, GROUP, "naive", started);
    if let Err(why) = measured {
        eprintln!("no speedup report: criterion did not measure in this run ({why:#})");
        return Ok(());
    }

    // 3. Profiles, in a pass of their own.
    let profile_time = Duration::from_millis(if quick { 300 } else { 2000 });
    let mut measurements = Vec::new();
    for (stage, o) in stages::all().iter().zip(outcomes) {
        let file = format!("flamegraphs/{}.svg", stage.name());
        let flamegraph = match profile::flamegraph(
            *stage,
            points,
            &params,
            profile_time,
            &reports.join(&file),
        ) {
            Ok(_) => Some(file),
            Err(e) => {
                eprintln!("no flamegraph for {}: {e:#}", stage.name());
                None
            }
        };
        measurements.push(Measurement {
            name: stage.name().to_string(),
            summary: stage.summary().to_string(),
            kind: RowKind::Rung,
            timing: report::criterion::timing(&criterion_dir, GROUP, stage.name(), started)?,
            iterations: Some(o.iterations),
            labels: o.labels,
            split: Some((o.assign_seconds, o.update_seconds)),
            flamegraph,
            details: o.details,
        });
    }
    measurements.push(Measurement {
        name: EXISTING.to_string(),
        summary: EXISTING_SUMMARY.to_string(),
        kind: RowKind::Existing,
        timing: report::criterion::timing(&criterion_dir, GROUP, EXISTING, started)?,
        iterations: None,
        labels: linfa_labels,
        split: None,
        flamegraph: None,
        details: Default::default(),
    });

    // 4. The report.
    let criterion_index = criterion_dir.join("report").join("index.html");
    let criterion_link = match criterion_index.strip_prefix(workspace) {
        Ok(rel) => format!("../{}", rel.display()),
        Err(_) => format!("file://{}", criterion_index.display()),
    };
    let workload = WorkloadInfo {
        description: "the seed run: make_blobs(n_samples=5000, centers=4, cluster_std=0.60, random_state=0), \
                      numpy generator; k = 10, run to convergence"
            .into(),
        n,
        d,
        k,
        init: params.init_name().into(),
    };
    let mode = if quick {
        "quick (LADDER_BENCH_QUICK: few samples)"
    } else {
        "full"
    };
    let report = Report::new(
        Machine::detect(),
        workload,
        mode,
        measurements,
        Some(criterion_link),
    )?;
    let t = Instant::now();
    report::write_all(&report, &reports).context("writing the report")?;
    println!("\n{}", Markdown::table(&report));
    println!("Machine: {}", report.machine.describe());
    println!(
        "Report: {} (written in {:.1} s); open it in a browser.",
        reports.join("index.html").display(),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}
