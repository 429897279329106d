//! The fast rungs against their targets, side by side: `parallel` (brute force at the
//! machine's FMA rate) and `pruned` (bounds that skip most distances) on the seed
//! workload (whole fit, to convergence) and on the scaling grid (20 passes, no early
//! stop), with the share of distances each skipped and the brute-force-equivalent
//! GFLOP/s; and the distributed stage's overhead beside them, in rounds of back-to-back
//! fits (`kmeans_ladder::harness::overhead`).
//!
//! `cargo bench --bench grid`; criterion's statistics and plots land in
//! `target/criterion/grid-*`. The tables printed at the end are from the same run
//! (`harness::grid`: medians of 5 extra fits' own clocks, the stages interleaved,
//! split into assignment and update as `ladder fit` reports them), and go with the
//! machine and the commit to `reports/grid.md`, and to `reports/grid.json`, which the
//! ladder's report shows (redrawn now if it is there). `LADDER_BENCH_QUICK=1` measures
//! only the table's fits (3 a row), not criterion's samples nor the overhead;
//! `LADDER_BENCH_ONLY=overhead cargo bench --bench grid` measures the overhead alone.

use std::hint::black_box;
use std::time::Duration;

use anyhow::Result;
use criterion::{BenchmarkId, Criterion, Throughput};
use kmeans_ladder::core::Stage;
use kmeans_ladder::harness::grid::GridSection;
use kmeans_ladder::harness::memory::Counting;
use kmeans_ladder::harness::report::{Artifact, Machine, write_artifact};
use kmeans_ladder::harness::workloads::Workload;
use kmeans_ladder::harness::{grid, overhead};
use kmeans_ladder::parallel::Parallel;
use kmeans_ladder::pruned::Pruned;

/// The harness's allocator (mimalloc), as the `ladder` CLI and every bench run on.
#[global_allocator]
static ALLOC: Counting = Counting;

fn main() -> Result<()> {
    if overhead::serve_if_peer()? {
        return Ok(());
    }
    let quick = std::env::var_os("LADDER_BENCH_QUICK").is_some();
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    // `cargo test --benches` runs each benchmark once (criterion's test mode): no table.
    let measuring = std::env::args().any(|a| a == "--bench");
    // Quick mode measures the table's interleaved fits only, not criterion's samples.
    let sampled = !(quick && measuring);
    if measuring && std::env::var("LADDER_BENCH_ONLY").as_deref() == Ok("overhead") {
        return publish(overhead::report(&overhead::measure()?));
    }
    let fits = if quick { 3 } else { grid::FITS };
    let stages: [&dyn Stage; 2] = [&Parallel::new(), &Pruned::new()];
    let mut rows = Vec::new();
    for w in std::iter::once(Workload::SEED).chain(Workload::grid()) {
        let points = w.points();
        let params = w.params();
        let mut group = c.benchmark_group(format!("grid-{}", w.name));
        if w.iterations.is_some() {
            group.sample_size(10);
            let flops = w.distance_flops_per_pass() * params.max_iter as f64;
            group.throughput(Throughput::Elements(flops as u64));
        }
        for stage in stages.iter().filter(|_| sampled) {
            group.bench_with_input(
                BenchmarkId::from_parameter(stage.name()),
                &points,
                |b, p| b.iter(|| stage.fit(black_box(p.view()), &params).unwrap()),
            );
        }
        group.finish();
        if measuring {
            rows.extend(grid::measure_rows(&stages, &w, points.view(), fits)?);
        }
    }
    c.final_summary();
    if !measuring {
        return Ok(());
    }
    let threads = rayon::current_num_threads();
    let section = GridSection {
        measured_on: Machine::detect().describe(),
        threads,
        fits,
        rows,
    };
    for path in section.publish(&reports())? {
        println!("wrote {}", path.display());
    }
    let overhead = match quick {
        true => "The distributed stage's overhead is not measured in quick mode.\n".into(),
        false => overhead::report(&overhead::measure()?),
    };
    publish(format!(
        "parallel and pruned stages, {threads} threads (medians of {fits} interleaved fits; \
         speedup per pass against the first stage on the same workload):\n\n{}\n{overhead}",
        grid::table(&section.rows).to_markdown(),
    ))
}

fn reports() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("reports")
}

/// Prints the tables, and writes them with the machine they were measured on to
/// `reports/grid.md`.
fn publish(text: String) -> Result<()> {
    let text = format!("Measured on {}.\n\n{text}", Machine::detect().describe());
    println!("\n{text}");
    let path = write_artifact(&reports(), &Artifact::text("grid.md", text))?;
    println!("wrote {}", path.display());
    Ok(())
}
