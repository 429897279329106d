//! Rung four against its targets: the `parallel` stage on the seed workload (whole fit,
//! to convergence) and on the scaling grid (20 passes, no early stop), with the
//! distance step's achieved GFLOP/s.
//!
//! `cargo bench --bench parallel_grid`; criterion's statistics and plots land in
//! `target/criterion/parallel-*`. The table printed at the end is from the same run:
//! per-pass times are the median of 5 extra fits' own clocks, split into assignment and
//! update as `ladder fit` reports them. The tables also go, with the machine and the
//! commit, to `reports/parallel_grid.md`.
//!
//! The distributed stage's overhead is measured beside it, in rounds of back-to-back
//! fits on the same points (see [`engine_overhead`]): `parallel`, one process with 2
//! worker threads, and a cluster of two real OS processes on loopback — this benchmark
//! starts a copy of itself as process 1 (see [`PEER`]). `LADDER_BENCH_ONLY=overhead
//! cargo bench --bench parallel_grid` measures that alone.

use std::hint::black_box;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group};
use kmeans_ladder::core::{Fit, FitParams, Points, Stage};
use kmeans_ladder::distributed::{
    BeforeEach, Cluster, Distributed, Prepared, Source, allowed_cpus,
};
use kmeans_ladder::harness::report::Machine;
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
    if measuring && std::env::var("LADDER_BENCH_ONLY").as_deref() == Ok("overhead") {
        let overhead = engine_overhead();
        publish(overhead_table(overhead));
        return;
    }
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
    let mut text = vec![
        format!(
            "parallel stage, {} threads (median of 5 fits):",
            rayon::current_num_threads()
        ),
        "| workload | passes | whole fit | per pass | assign per pass | GFLOP/s (2nkd over the assign sweep) |".into(),
        "|---|---:|---:|---:|---:|---:|".into(),
    ];
    text.extend(rows);
    text.push(String::new());
    text.extend(overhead_table(overhead));
    publish(text);
}

/// Prints the tables, and writes them with the machine they were measured on to
/// `reports/parallel_grid.md`.
fn publish(text: Vec<String>) {
    let machine = Machine::detect().describe();
    let text = format!("Measured on {machine}.\n\n{}\n", text.join("\n"));
    println!("\n{text}");
    let reports = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("reports");
    let path = reports.join("parallel_grid.md");
    match std::fs::create_dir_all(&reports).and_then(|()| std::fs::write(&path, &text)) {
        Ok(()) => println!("wrote {}", path.display()),
        Err(e) => eprintln!("cannot write {}: {e}", path.display()),
    }
}

fn overhead_table(overhead: Vec<String>) -> Vec<String> {
    let mut text = vec![format!(
        "distributed stage (timely) beside parallel, per pass (assignment + update), in {OVERHEAD_FITS} \
         rounds of back-to-back fits (parallel, distributed in 1 process, then at 1M points a cluster of \
         2 OS processes that connected once and talks over loopback TCP); points in memory. The median \
         and 90th percentile are over all passes of the fits; the mean pass is the median over the \
         fits of each fit's total over its passes, its first pass and any stalls included:"
    )];
    text.push(
        "| workload | engine | median pass | 90th percentile pass | mean pass | overhead, median pass | overhead, mean pass |".into(),
    );
    text.push("|---|---|---:|---:|---:|---:|---:|".into());
    text.extend(overhead);
    text
}

/// One engine's passes over its fits: (median pass, 90th percentile pass, median over the
/// fits of the mean pass).
fn pass_times(fits: &[Fit]) -> (f64, f64, f64) {
    let mut all: Vec<f64> = fits.iter().flat_map(|f| f.pass_seconds.clone()).collect();
    all.sort_by(f64::total_cmp);
    let percentile = |p: f64| all[((all.len() - 1) as f64 * p).round() as usize];
    let means = fits.iter().map(mean_pass).collect();
    (percentile(0.5), percentile(0.9), median(means))
}

/// A fit's average pass, its first pass and any stall included.
fn mean_pass(fit: &Fit) -> f64 {
    fit.pass_seconds.iter().sum::<f64>() / fit.pass_seconds.len() as f64
}

const OVERHEAD_FITS: usize = 30;

/// Per-pass times of the distributed stage beside the parallel stage's, same points, in
/// rounds: a parallel fit, a one-process distributed fit, then (at 1M points) a fit by a
/// cluster of two OS processes, back to back, [`OVERHEAD_FITS`] rounds. This machine's
/// speed drifts by tens of percent over seconds, so the engines are compared within a
/// round: the two-process cluster connects once and runs one fit per round (see
/// [`Distributed::fit_repeatedly`]), the round's other fits running on process 0 while
/// process 1 waits for the fit's first command.
fn engine_overhead() -> Vec<String> {
    let (mut rows, mut notes) = (Vec::new(), Vec::new());
    // The round's fits run on worker 0 of the 2-process cluster, which is bound to one
    // CPU: the 1-process fit binds its threads to all of them again.
    let local = Distributed {
        cpus: Some(allowed_cpus()),
        ..Distributed::local(2)
    };
    let mut grid = Workload::grid();
    for w in [Workload::SEED, grid.remove(0)] {
        let m = w.points();
        let params = w.params();
        let data = Arc::new(m.as_slice().to_vec());
        let two = w.name != "seed";
        // The round's parallel and one-process fits.
        let round = {
            let (data, params, d, local) = (data.clone(), params.clone(), w.d, local.clone());
            move || {
                let points = Points::new(&data, d).unwrap();
                let parallel = stages::find("parallel").unwrap();
                let base = parallel.fit(points, &params).unwrap();
                let local = local.fit(points, &params).unwrap();
                (base, local)
            }
        };
        let (base, local, cluster): (Vec<Fit>, Vec<Fit>, Vec<Fit>) = if two {
            let rounds = Arc::new(Mutex::new(Vec::new()));
            let before_each = {
                let rounds = rounds.clone();
                Arc::new(move |_| rounds.lock().unwrap().push(round())) as BeforeEach
            };
            let cluster = two_processes(&w, &data, &params, before_each);
            let (base, local) = std::mem::take(&mut *rounds.lock().unwrap())
                .into_iter()
                .unzip();
            (base, local, cluster)
        } else {
            let (base, local) = (0..OVERHEAD_FITS).map(|_| round()).unzip();
            (base, local, Vec::new())
        };
        let threads = format!("parallel, {} threads", rayon::current_num_threads());
        let mut engines = vec![
            (threads.as_str(), pass_times(&base)),
            ("distributed, 1 process, 2 workers", pass_times(&local)),
        ];
        if two {
            engines.push((
                "distributed, 2 OS processes on loopback, 1 worker each",
                pass_times(&cluster),
            ));
        }
        let (base_median, _, base_mean) = engines[0].1;
        for (i, (engine, (median, p90, mean))) in engines.into_iter().enumerate() {
            let vs = |t: f64, base: f64| match i {
                0 => "—".to_string(),
                _ => format!("{:+.0} %", 100.0 * (t / base - 1.0)),
            };
            rows.push(format!(
                "| {} | {engine} | {:.3} ms | {:.3} ms | {:.3} ms | {} | {} |",
                w.name,
                median * 1e3,
                p90 * 1e3,
                mean * 1e3,
                vs(median, base_median),
                vs(mean, base_mean),
            ));
        }
        // Round by round: each engine's mean pass against the round's parallel fit.
        let mut against = vec![("1 process", &local)];
        if two {
            against.push(("2 processes", &cluster));
        }
        for (name, fits) in against {
            let mut ratios: Vec<f64> = fits
                .iter()
                .zip(&base)
                .map(|(f, b)| 100.0 * (mean_pass(f) / mean_pass(b) - 1.0))
                .collect();
            ratios.sort_by(f64::total_cmp);
            let shown: Vec<String> = ratios.iter().map(|r| format!("{r:+.0}")).collect();
            notes.push(format!(
                "- {}, {name}: overhead in mean pass, round by round (against the round's parallel fit): median {:+.0} %; all rounds, sorted: {} %",
                w.name,
                median(ratios.clone()),
                shown.join(" "),
            ));
        }
        // Each 2-process fit pass by pass, and the split worker 0 arrived at.
        for (i, fit) in cluster.iter().enumerate() {
            let passes: Vec<String> = fit
                .pass_seconds
                .iter()
                .map(|s| format!("{:.1}", s * 1e3))
                .collect();
            let detail = |key: &str| fit.details.get(key).map_or("?".into(), |v| v.to_string());
            notes.push(format!(
                "- {} round {}, 2 processes, passes in ms: {} (parallel's mean pass that round: {:.1}); chunks per worker {}, µs per chunk {}, reply delay µs {}",
                w.name,
                i + 1,
                passes.join(" "),
                mean_pass(&base[i]) * 1e3,
                detail("chunks_per_worker"),
                detail("us_per_chunk"),
                detail("reply_delay_us"),
            ));
        }
    }
    rows.push(String::new());
    rows.extend(notes);
    rows
}

/// Set in the environment of the copy of this benchmark that runs as process 1 of a
/// two-process cluster: `WORKLOAD;HOST:PORT,HOST:PORT`.
const PEER: &str = "LADDER_BENCH_PEER";

/// The distributed stage as process `process` of the cluster `hosts`, one worker.
fn cluster_member(hosts: &[String], process: usize) -> Distributed {
    Distributed {
        cluster: Cluster::Hosts {
            hosts: hosts.to_vec(),
            process,
            workers: 1,
        },
        chunk_rows: Distributed::DEFAULT_CHUNK_ROWS,
        timeout: Duration::from_secs(300),
        // A CPU each, as the launcher binds them (see `Distributed::cpus`).
        cpus: match allowed_cpus() {
            cpus if cpus.len() >= 2 => Some(vec![cpus[process]]),
            _ => None,
        },
    }
}

/// [`OVERHEAD_FITS`] fits by a cluster of two OS processes on loopback: this one
/// (process 0) and a copy of this benchmark started as process 1 on the same workload;
/// `before_each` runs before each fit.
fn two_processes(
    w: &Workload,
    data: &Arc<Vec<f64>>,
    params: &FitParams,
    before_each: BeforeEach,
) -> Vec<Fit> {
    let hosts: Vec<String> = (0..2)
        .map(|_| {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port on loopback")
                .port();
            format!("127.0.0.1:{port}")
        })
        .collect();
    let exe = std::env::current_exe().expect("the benchmark's own path");
    let mut peer = std::process::Command::new(exe)
        .env(PEER, format!("{};{}", w.name, hosts.join(",")))
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start process 1");
    let source = Source::Memory {
        data: data.clone(),
        d: w.d,
    };
    let prepared = Prepared::new(source, params).expect("valid points");
    let fits = cluster_member(&hosts, 0)
        .fit_repeatedly(&prepared, OVERHEAD_FITS, Some(before_each))
        .expect("the cluster fits");
    let status = peer.wait().expect("process 1 ends");
    assert!(status.success(), "process 1 failed: {status}");
    fits
}

/// Process 1 of [`two_processes`]: the same workload's points, then its share of the fit.
fn run_peer(spec: &str) {
    let (name, hosts) = spec.split_once(';').expect("WORKLOAD;HOSTS");
    let hosts: Vec<String> = hosts.split(',').map(String::from).collect();
    let w = Workload::grid()
        .into_iter()
        .find(|w| w.name == name)
        .expect("a grid workload");
    let m = w.points();
    let source = Source::Memory {
        data: std::sync::Arc::new(m.as_slice().to_vec()),
        d: w.d,
    };
    cluster_member(&hosts, 1)
        .fit_source(source, &w.params())
        .expect("process 1 fits");
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
    // A fit on the bounds path computes far fewer distances than `2 n k d` per pass.
    let gflops = match fits[0].1.details.get("scans_skipped") {
        Some(skipped) => format!(
            "— (bounds: {} of point scans skipped)",
            skipped.as_str().unwrap_or("?")
        ),
        None => format!("{:.1}", w.distance_flops_per_pass() / assign / 1e9),
    };
    format!(
        "| {} | {} | {:.3} ms | {:.3} ms | {:.3} ms | {gflops} |",
        w.name,
        passes,
        whole * 1e3,
        per_pass * 1e3,
        assign * 1e3,
    )
}

criterion_group!(benches, bench);

fn main() {
    if let Ok(spec) = std::env::var(PEER) {
        run_peer(&spec);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
