//! Rung four against its targets: the `parallel` stage on the seed workload (whole fit,
//! to convergence) and on the scaling grid (20 passes, no early stop), with the
//! distance step's achieved GFLOP/s; and the distributed stage's overhead beside it, in
//! rounds of back-to-back fits (`kmeans_ladder::harness::overhead`).
//!
//! `cargo bench --bench parallel_grid`; criterion's statistics and plots land in
//! `target/criterion/parallel-*`. The tables printed at the end are from the same run
//! (`harness::grid`: medians of 5 extra fits' own clocks, split into assignment and
//! update as `ladder fit` reports them), and go with the machine and the commit to
//! `reports/parallel_grid.md`. `LADDER_BENCH_ONLY=overhead cargo bench --bench
//! parallel_grid` measures the overhead alone.

use std::hint::black_box;
use std::time::Duration;

use anyhow::Result;
use criterion::{BenchmarkId, Criterion, Throughput};
use kmeans_ladder::core::Stage;
use kmeans_ladder::harness::report::{Artifact, Machine, write_artifact};
use kmeans_ladder::harness::workloads::Workload;
use kmeans_ladder::harness::{grid, overhead};
use kmeans_ladder::parallel::Parallel;

fn main() -> Result<()> {
    if overhead::serve_if_peer()? {
        return Ok(());
    }
    let mut c = Criterion::default().configure_from_args();
    // `cargo test --benches` runs each benchmark once (criterion's test mode): no table.
    let measuring = std::env::args().any(|a| a == "--bench");
    if measuring && std::env::var("LADDER_BENCH_ONLY").as_deref() == Ok("overhead") {
        return publish(overhead::report(&overhead::measure()?));
    }
    let stage = Parallel::new();
    let mut rows = Vec::new();
    let seed = Workload::SEED;
    let points = seed.points();
    let params = seed.params();
    let mut group = c.benchmark_group("parallel-seed");
    group.bench_function("whole fit", |b| {
        b.iter(|| stage.fit(black_box(points.view()), &params).unwrap())
    });
    group.finish();
    if measuring {
        rows.push(grid::measure_row(&stage, &seed, points.view())?);
    }
    let mut group = c.benchmark_group("parallel-grid");
    group.sample_size(10).warm_up_time(Duration::from_secs(1));
    for w in Workload::grid() {
        let points = w.points();
        let params = w.params();
        let flops = w.distance_flops_per_pass() * params.max_iter as f64;
        group.throughput(Throughput::Elements(flops as u64));
        group.bench_with_input(BenchmarkId::from_parameter(w.name), &points, |b, points| {
            b.iter(|| stage.fit(black_box(points.view()), &params).unwrap())
        });
        if measuring {
            rows.push(grid::measure_row(&stage, &w, points.view())?);
        }
    }
    group.finish();
    c.final_summary();
    if !measuring {
        return Ok(());
    }
    let threads = rayon::current_num_threads();
    publish(format!(
        "parallel stage, {threads} threads (median of {} fits):\n{}\n{}",
        grid::FITS,
        grid::table(&rows).to_markdown(),
        overhead::report(&overhead::measure()?)
    ))
}

/// Prints the tables, and writes them with the machine they were measured on to
/// `reports/parallel_grid.md`.
fn publish(text: String) -> Result<()> {
    let text = format!("Measured on {}.\n\n{text}", Machine::detect().describe());
    println!("\n{text}");
    let reports = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("reports");
    let path = write_artifact(&reports, &Artifact::text("parallel_grid.md", text))?;
    println!("wrote {}", path.display());
    Ok(())
}
