//! The distributed stage: worker threads, processes on loopback, a file larger than the
//! process may hold, and peers that never come or die. Every run is bounded in time.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use ladder_blobs::io::write_points_npy;
use ladder_blobs::{BlobSpec, Generator, make_blobs};
use ladder_core::{Fit, FitParams, Init, Matrix, Points, Stage};
use ladder_distributed::{Cluster, Distributed, DistributedFacts};
use ladder_harness::loopback::{cpu_shares, free_hosts, write_hostfile};
use ladder_test_support::{Ladder, bits, labels_of, read_json};

const LADDER: Ladder = Ladder::at(env!("CARGO_BIN_EXE_ladder"));

/// Blob data of seed 3; `Generator::Fast` for data too large for the numpy generator's
/// pace.
fn blobs(n: usize, centers: usize, d: usize, generator: Generator) -> Matrix {
    let spec = BlobSpec::new(n, centers).features(d).seed(3);
    make_blobs(&spec, generator).unwrap().points
}

fn naive(points: Points<'_>, params: &FitParams) -> Fit {
    ladder_naive::Naive.fit(points, params).unwrap()
}

#[test]
fn one_two_and_four_workers_agree_with_naive_and_each_other() {
    for (n, d, k, init) in [
        (5000, 3, 7, Init::LastK),
        (3001, 2, 12, Init::KMeansPlusPlus),
    ] {
        let m = blobs(n, 5, d, Generator::Numpy);
        let params = FitParams::new(k).init(init).seed(1);
        let reference = naive(m.view(), &params);
        let fits: Vec<Fit> = [1, 2, 4]
            .into_iter()
            .map(|workers| {
                let stage = Distributed {
                    cluster: Cluster::Local { workers },
                    chunk_rows: 700,
                    timeout: Duration::from_secs(60),
                    cpus: None,
                };
                stage.fit(m.view(), &params).unwrap()
            })
            .collect();
        for f in &fits {
            assert_eq!(f.labels, reference.labels, "n={n} d={d}");
            assert_eq!(f.iterations, reference.iterations);
            assert_eq!(
                bits(&f.centers),
                bits(&fits[0].centers),
                "centers differ across workers"
            );
        }
        let facts = fits[2].details.get::<DistributedFacts>().unwrap();
        assert_eq!(facts.workers_per_process, 4);
    }
}

#[test]
fn repeated_fits_in_one_cluster_are_each_the_single_fit() {
    let m = blobs(4000, 5, 2, Generator::Numpy);
    let params = FitParams::new(6).init(Init::Random).seed(4);
    let stage = Distributed {
        cluster: Cluster::Local { workers: 3 },
        chunk_rows: 300,
        timeout: Duration::from_secs(60),
        cpus: None,
    };
    let single = stage.fit(m.view(), &params).unwrap();
    let source = ladder_distributed::Source::Memory {
        data: std::sync::Arc::new(m.as_slice().to_vec()),
        d: 2,
    };
    let prepared = ladder_distributed::Prepared::new(source, &params).unwrap();
    let calls = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let hook_calls = calls.clone();
    let fits = stage
        .fit_repeatedly(
            &prepared,
            3,
            Some(std::sync::Arc::new(move |i| {
                hook_calls.lock().unwrap().push(i)
            })),
        )
        .unwrap();
    assert_eq!(*calls.lock().unwrap(), vec![0, 1, 2]);
    assert_eq!(fits.len(), 3);
    for fit in &fits {
        assert_eq!(fit.labels, single.labels);
        assert_eq!(fit.iterations, single.iterations);
        assert_eq!(bits(&fit.centers), bits(&single.centers));
        assert_eq!(fit.pass_seconds.len(), single.iterations);
        assert_eq!(fit.inertia.to_bits(), single.inertia.to_bits());
    }
}

/// A hostfile of two free ports on loopback, in `dir`.
fn hostfile(dir: &Path) -> String {
    let path = dir.join("hosts.txt");
    write_hostfile(&path, &free_hosts(2).unwrap()).unwrap();
    path.to_str().unwrap().to_string()
}

fn spawn(args: &[&str]) -> std::process::Child {
    LADDER.spawn(args)
}

/// Waits for `child`, which must succeed within `limit`.
fn succeeds_within(child: Child, limit: Duration) {
    let (out, _) = finish_within(child, limit);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
}

/// The fit `ladder fit --out` wrote to `result` has naive's labels on `m` with `params`.
fn has_naives_labels(result: &Path, m: &Matrix, params: &FitParams) -> serde_json::Value {
    let r = read_json(result);
    let reference = naive(m.view(), params);
    assert_eq!(labels_of(&r["labels"]), reference.labels);
    assert_eq!(r["iterations"], reference.iterations);
    r
}

fn finish_within(child: std::process::Child, limit: Duration) -> (Output, Duration) {
    let start = Instant::now();
    let out = child.wait_with_output().unwrap();
    let took = start.elapsed();
    assert!(took < limit, "took {took:?}");
    (out, took)
}

#[test]
fn two_processes_on_loopback_give_naives_labels() {
    let dir = tempfile::tempdir().unwrap();
    let m = blobs(6000, 4, 2, Generator::Numpy);
    let input = npy_input(dir.path(), &m);
    let hosts = hostfile(dir.path());
    let result = dir.path().join("r.json");
    let (input, result_s) = (input.to_str().unwrap(), result.to_str().unwrap());
    let common = [
        "fit",
        "--stage",
        "distributed",
        "--input",
        input,
        "--k",
        "9",
        "--chunk-rows",
        "1000",
    ];
    let mut p1: Vec<&str> = common.to_vec();
    p1.extend(["--hosts", &hosts, "--process", "1", "--timeout", "60"]);
    let mut p0: Vec<&str> = common.to_vec();
    p0.extend([
        "--hosts",
        &hosts,
        "--process",
        "0",
        "--timeout",
        "60",
        "--out",
        result_s,
    ]);
    // Bound as the launcher binds them, where there are two CPUs to bind to.
    let shares = cpu_shares(&ladder_distributed::allowed_cpus(), 2, 1);
    let lists: Vec<String> = shares
        .iter()
        .flatten()
        .map(|cpus| {
            cpus.iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    if let [zero, one] = &lists[..] {
        p0.extend(["--cpus", zero]);
        p1.extend(["--cpus", one]);
    }
    let one = spawn(&p1);
    let zero = spawn(&p0);
    succeeds_within(zero, Duration::from_secs(90));
    succeeds_within(one, Duration::from_secs(90));
    let r = has_naives_labels(&result, &m, &FitParams::new(9));
    assert_eq!(r["details"]["processes"], 2);
}

/// A file bigger than the process's data limit: the distributed stage streams it; an
/// in-memory stage under the same limit cannot even load it (so the limit is real).
#[test]
fn a_file_larger_than_the_memory_limit_is_fitted_out_of_core() {
    let dir = tempfile::tempdir().unwrap();
    let m = blobs(1_200_000, 4, 10, Generator::Fast); // 96 MB of points
    let input = dir.path().join("big.npy");
    write_points_npy(&input, &m).unwrap();
    let result = dir.path().join("r.json");
    let limit_kib = 60 * 1024; // 60 MiB of data segment
    let run = |stage: &str| {
        let script = format!(
            "ulimit -d {limit_kib} && exec \"$0\" fit --stage {stage} --input \"$1\" --k 4 --max-iter 3 --out \"$2\""
        );
        Command::new("sh")
            .args([
                "-c",
                &script,
                LADDER.path(),
                input.to_str().unwrap(),
                result.to_str().unwrap(),
            ])
            .env("MALLOC_ARENA_MAX", "2")
            .output()
            .unwrap()
    };
    let in_memory = run("parallel");
    assert!(
        !in_memory.status.success(),
        "the limit does not bite: an in-memory fit of 96 MB passed"
    );
    let out = run("distributed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = has_naives_labels(&result, &m, &FitParams::new(4).max_iter(3));
    assert!(r["details"]["source"].as_str().unwrap().starts_with("file"));
}

/// `m` written to `dir/p.npy`.
fn npy_input(dir: &Path, m: &Matrix) -> std::path::PathBuf {
    let path = dir.join("p.npy");
    write_points_npy(&path, m).unwrap();
    path
}

fn small_input(dir: &Path) -> String {
    let m = blobs(3000, 3, 2, Generator::Numpy);
    npy_input(dir, &m).to_str().unwrap().to_string()
}

/// Waits for `child`, which must fail within `limit` with one line on stderr; returns
/// that line.
fn fails_with_one_line(child: Child, limit: Duration) -> String {
    let (out, _) = finish_within(child, limit);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "succeeded: {err}");
    assert!(err.starts_with("ladder: error: "), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    err
}

/// Starts process `process` of the cluster `hosts`, fitting `input` with k = 3 and
/// `extra` arguments.
fn cluster_fit(input: &str, hosts: &str, process: &str, extra: &[&str]) -> Child {
    let mut args = vec![
        "fit",
        "--stage",
        "distributed",
        "--input",
        input,
        "--k",
        "3",
    ];
    args.extend(["--hosts", hosts, "--process", process]);
    args.extend_from_slice(extra);
    spawn(&args)
}

#[test]
fn a_peer_that_never_arrives_ends_the_fit_with_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let input = small_input(dir.path());
    let hosts = hostfile(dir.path());
    let zero = cluster_fit(&input, &hosts, "0", &["--timeout", "3"]);
    let err = fails_with_one_line(zero, Duration::from_secs(15));
    assert!(err.contains("no result within 3 s"), "{err}");
}

#[test]
fn a_peer_killed_mid_run_ends_the_fit_with_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let input = small_input(dir.path());
    let hosts = hostfile(dir.path());
    // Endless passes (no early stop), so the fit is running when the peer dies.
    let endless = [
        "--no-early-stop",
        "--max-iter",
        "100000000",
        "--timeout",
        "6",
    ];
    let mut one = cluster_fit(&input, &hosts, "1", &endless);
    let zero = cluster_fit(&input, &hosts, "0", &endless);
    std::thread::sleep(Duration::from_millis(1500));
    one.kill().unwrap();
    let _ = one.wait();
    // Process 0 cannot succeed without its peer.
    fails_with_one_line(zero, Duration::from_secs(20));
}

#[test]
fn mismatched_processes_refuse_instead_of_computing_garbage() {
    let dir = tempfile::tempdir().unwrap();
    let input = small_input(dir.path());
    let hosts = hostfile(dir.path());
    let one = cluster_fit(
        &input,
        &hosts,
        "1",
        &["--chunk-rows", "500", "--timeout", "5"],
    );
    let zero = cluster_fit(
        &input,
        &hosts,
        "0",
        &["--chunk-rows", "700", "--timeout", "5"],
    );
    let (out, _) = finish_within(zero, Duration::from_secs(20));
    let _ = finish_within(one, Duration::from_secs(20));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("same --input and --chunk-rows"), "{err}");
}

#[test]
fn the_local_cluster_launcher_runs_and_collects_the_result() {
    let dir = tempfile::tempdir().unwrap();
    let m = blobs(4000, 3, 2, Generator::Numpy);
    let input = npy_input(dir.path(), &m);
    let result = dir.path().join("r.json");
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scripts/local_cluster.sh"
    );
    let port = free_hosts(1).unwrap()[0]
        .rsplit_once(':')
        .map(|(_, port)| port.to_string())
        .unwrap();
    let child = Command::new("bash")
        .args([
            script,
            "3",
            "--input",
            input.to_str().unwrap(),
            "--k",
            "5",
            "--chunk-rows",
            "600",
        ])
        .args([
            "--workers",
            "1",
            "--timeout",
            "60",
            "--out",
            result.to_str().unwrap(),
        ])
        .env("LADDER", LADDER.path())
        .env("PORT", port)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    succeeds_within(child, Duration::from_secs(90));
    let r = has_naives_labels(&result, &m, &FitParams::new(5));
    assert_eq!(r["details"]["processes"], 3);
}
