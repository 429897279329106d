//! Rung four against its targets: the `parallel` stage on the seed workload (whole fit,
//! to convergence) and on the scaling grid (20 passes, no early stop), with the
//! distance step's achieved GFLOP/s.
//!
//! `cargo bench --bench parallel_grid`; criterion's statistics and plots land in
//! `target/criterion/parallel-*`. The table printed at the end is from the same run:
//! per-pass times are the median of 5 extra fits' own clocks, split into assignment and
//! update as `ladder fit` reports them.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use kmeans_ladder::core::{Fit, Points, Stage};
use kmeans_ladder::distributed::{Cluster, Distributed, Source};
use kmeans_ladder::harness::stages;
use kmeans_ladder::harness::workloads::Workload;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn bench(c: &mut Criterion) {
    let stage = stages::find("parallel").expect("the parallel stage is registered");
    // `cargo test --benches` runs each benchmark once (criterion's test mode): no table.
    let measuring = std::env::args().any(|a| a == "--bench");
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
        rows.push(summary(stage, &seed, points.view()));
    }

    let mut group = c.benchmark_group("parallel-grid");
    group.sample_size(10).warm_up_time(Duration::from_secs(1));
    for w in Workload::grid() {
        let points = w.points();
        let params = w.params();
        let passes = params.max_iter as f64;
        group.throughput(Throughput::Elements(
            (w.distance_flops_per_pass() * passes) as u64,
        ));
        group.bench_with_input(BenchmarkId::from_parameter(w.name), &points, |b, points| {
            b.iter(|| stage.fit(black_box(points.view()), &params).unwrap())
        });
        if measuring {
            rows.push(summary(stage, &w, points.view()));
        }
    }
    group.finish();
    if !measuring {
        return;
    }

    let overhead = engine_overhead();
    println!(
        "\nparallel stage, {} threads (median of 5 fits):",
        rayon::current_num_threads()
    );
    println!("| workload | passes | whole fit | per pass | assign per pass | distance GFLOP/s |");
    println!("|---|---:|---:|---:|---:|---:|");
    for r in rows {
        println!("{r}");
    }
    println!(
        "\ndistributed stage (timely) beside parallel, per pass (assignment + update, median of 5 fits; \
         points in memory; the \"2 processes\" are two timely processes in this OS process, \
         talking over loopback TCP):"
    );
    println!("| workload | engine | parallel per pass | distributed per pass | overhead |");
    println!("|---|---|---:|---:|---:|");
    for r in overhead {
        println!("{r}");
    }
}

/// Per-pass time of the distributed stage beside the parallel stage's, same points.
fn engine_overhead() -> Vec<String> {
    let parallel = stages::find("parallel").unwrap();
    let per_pass = |f: Fit| (f.assign_seconds + f.update_seconds) / f.iterations as f64;
    let median_of =
        |fit: &mut dyn FnMut() -> Fit| median((0..5).map(|_| per_pass(fit())).collect());
    let mut rows = Vec::new();
    let mut grid = Workload::grid();
    for w in [Workload::SEED, grid.remove(0)] {
        let m = w.points();
        let params = w.params();
        let base = median_of(&mut || parallel.fit(m.view(), &params).unwrap());
        let mut engines: Vec<(&str, f64)> = vec![(
            "1 process, 2 workers",
            median_of(&mut || Distributed::local(2).fit(m.view(), &params).unwrap()),
        )];
        if w.name != "seed" {
            let data = std::sync::Arc::new(m.as_slice().to_vec());
            engines.push((
                "2 processes on loopback, 1 worker each",
                median_of(&mut || two_processes(&data, w.d, &params)),
            ));
        }
        for (engine, t) in engines {
            rows.push(format!(
                "| {} | {engine} | {:.3} ms | {:.3} ms | {:+.0} % |",
                w.name,
                base * 1e3,
                t * 1e3,
                100.0 * (t / base - 1.0)
            ));
        }
    }
    rows
}

/// One fit by a 2-process timely cluster on loopback (each process a thread here).
fn two_processes(
    data: &std::sync::Arc<Vec<f64>>,
    d: usize,
    params: &kmeans_ladder::core::FitParams,
) -> Fit {
    let ports: Vec<u16> = (0..2)
        .map(|_| {
            std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        })
        .collect();
    let hosts: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
    let stage = |process| Distributed {
        cluster: Cluster::Hosts {
            hosts: hosts.clone(),
            process,
            workers: 1,
        },
        chunk_rows: Distributed::DEFAULT_CHUNK_ROWS,
        timeout: Duration::from_secs(120),
    };
    let source = Source::Memory {
        data: data.clone(),
        d,
    };
    let (one, p1) = (stage(1), params.clone());
    let source1 = source.clone();
    let peer = std::thread::spawn(move || one.fit_source(source1, &p1).unwrap());
    let fit = stage(0)
        .fit_source(source, params)
        .unwrap()
        .expect("process 0 has the fit");
    peer.join().unwrap();
    fit
}

/// One table row from 5 fits: whole-fit time, per-pass time, and the distance step's
/// achieved GFLOP/s (`2 n k d` per pass over the assignment time).
fn summary(stage: &dyn Stage, w: &Workload, points: Points<'_>) -> String {
    let params = w.params();
    let fits: Vec<(f64, Fit)> = (0..5)
        .map(|_| {
            let t = std::time::Instant::now();
            let fit = stage.fit(points, &params).unwrap();
            (t.elapsed().as_secs_f64(), fit)
        })
        .collect();
    let passes = fits[0].1.iterations as f64;
    let whole = median(fits.iter().map(|(t, _)| *t).collect());
    let per_pass = median(
        fits.iter()
            .map(|(_, f)| (f.assign_seconds + f.update_seconds) / passes)
            .collect(),
    );
    let assign = median(
        fits.iter()
            .map(|(_, f)| f.assign_seconds / passes)
            .collect(),
    );
    format!(
        "| {} | {} | {:.3} ms | {:.3} ms | {:.3} ms | {:.1} |",
        w.name,
        passes,
        whole * 1e3,
        per_pass * 1e3,
        assign * 1e3,
        w.distance_flops_per_pass() / assign / 1e9
    )
}

criterion_group!(benches, bench);
criterion_main!(benches);
