//! The `ladder` binary as users and scripts call it.

use std::path::{Path, PathBuf};
use std::process::Output;

use ladder_test_support::{Ladder, read_json, seed_reference, stderr};
use serde_json::Value;

const LADDER: Ladder = Ladder::at(env!("CARGO_BIN_EXE_ladder"));

fn ladder(args: &[&str]) -> Output {
    LADDER.run(args)
}

fn ok(args: &[&str]) -> String {
    LADDER.ok(args)
}

fn path(dir: &Path, name: &str) -> String {
    dir.join(name).to_str().unwrap().to_string()
}

/// The seed's points, written by `ladder blobs` to `dir/name` (`.npy` or `.csv`).
fn seed_points_as(dir: &Path, name: &str) -> String {
    let points = path(dir, name);
    let seed = [
        "blobs",
        "--samples",
        "5000",
        "--centers",
        "4",
        "--std",
        "0.6",
    ];
    let mut args = seed.to_vec();
    args.extend(["--out", &points]);
    ok(&args);
    points
}

fn seed_points(dir: &Path) -> String {
    seed_points_as(dir, "seed.npy")
}

fn reference_labels() -> Value {
    seed_reference()["labels"].clone()
}

#[test]
fn blobs_then_fit_reproduces_the_seed_run() {
    let dir = tempfile::tempdir().unwrap();
    let points = seed_points(dir.path());
    let result = path(dir.path(), "r.json");
    let out = ok(&[
        "fit", "--input", &points, "--k", "10", "--repeat", "2", "--out", &result,
    ]);
    assert!(out.contains("54 iterations, converged"), "{out}");
    assert!(out.contains("2 timed fits"), "{out}");

    let r = read_json(Path::new(&result));
    assert_eq!(r["stage"], "naive");
    assert_eq!(r["iterations"], 54);
    assert_eq!(r["converged"], true);
    assert_eq!(r["init"], "last-k");
    assert_eq!(r["labels"], reference_labels());
    assert_eq!(r["centers"].as_array().unwrap().len(), 10);
    assert_eq!(r["initial_centers"].as_array().unwrap().len(), 10);
    assert_eq!(r["timing"]["repeat"], 2);
    for key in ["assign_seconds", "update_seconds", "fit_seconds", "inertia"] {
        assert!(r[key].as_f64().unwrap() > 0.0, "{key}");
    }
    let t = &r["timing"];
    assert!(t["min_seconds"].as_f64() <= t["median_seconds"].as_f64());
    let passes = r["pass_seconds"].as_array().unwrap();
    assert_eq!(passes.len(), 54);
    let total: f64 = passes.iter().map(|p| p.as_f64().unwrap()).sum();
    let split = r["assign_seconds"].as_f64().unwrap() + r["update_seconds"].as_f64().unwrap();
    assert!(
        (total - split).abs() <= 1e-6 + 1e-3 * split,
        "{total} vs {split}"
    );
}

#[test]
fn csv_input_and_output_give_the_same_fit() {
    let dir = tempfile::tempdir().unwrap();
    let csv = seed_points_as(dir.path(), "p.csv");
    let result = path(dir.path(), "r.json");
    ok(&["fit", "--input", &csv, "--k", "10", "--out", &result]);
    let r = read_json(Path::new(&result));
    assert_eq!(r["labels"], reference_labels());
}

#[test]
fn given_initial_centers_set_k_and_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let points = seed_points(dir.path());
    let centers = path(dir.path(), "c.csv");
    std::fs::write(&centers, "0,0\n1,1\n5,5\n").unwrap();
    let result = path(dir.path(), "r.json");
    ok(&[
        "fit",
        "--input",
        &points,
        "--init-centers",
        &centers,
        "--out",
        &result,
    ]);
    let r = read_json(Path::new(&result));
    assert_eq!(r["k"], 3);
    assert_eq!(r["init"], "given");
    assert_eq!(r["initial_centers"][2], serde_json::json!([5.0, 5.0]));
}

#[test]
fn stages_lists_every_stage() {
    let out = ok(&["stages"]);
    for name in [
        "naive ",
        "vectorized ",
        "spatial-tree ",
        "parallel ",
        "distributed ",
    ] {
        assert!(out.lines().any(|l| l.starts_with(name)), "{name}: {out}");
    }
}

#[test]
fn stages_report_their_details() {
    let dir = tempfile::tempdir().unwrap();
    for (d, method) in [("2", "kd-tree"), ("17", "exact scan"), ("64", "exact scan")] {
        let points = path(dir.path(), "p.npy");
        ok(&[
            "blobs",
            "--samples",
            "300",
            "--centers",
            "3",
            "--features",
            d,
            "--out",
            &points,
        ]);
        let result = path(dir.path(), "r.json");
        let out = ok(&[
            "fit",
            "--input",
            &points,
            "--k",
            "4",
            "--stage",
            "spatial-tree",
            "--out",
            &result,
        ]);
        assert!(out.contains(method), "d = {d}: {out}");
        let r = read_json(Path::new(&result));
        assert!(
            r["details"]["method"].as_str().unwrap().contains(method),
            "{r}"
        );
    }
    let points = seed_points(dir.path());
    let result = path(dir.path(), "v.json");
    ok(&[
        "fit",
        "--input",
        &points,
        "--k",
        "10",
        "--stage",
        "vectorized",
        "--out",
        &result,
    ]);
    let r = read_json(Path::new(&result));
    assert_eq!(r["labels"], reference_labels());
    let peak = r["details"]["peak_temp_bytes"].as_u64().unwrap();
    // A block's squared differences and distances (rows × 10 each, f64) and labels: at
    // most the 1 MiB the stage is configured for.
    let rows = r["details"]["block_rows"].as_u64().unwrap();
    assert_eq!(rows, 5000, "all 5000 points fit in one 1 MiB block");
    assert_eq!(peak, rows * (2 * 10 * 8 + 4));
}

#[test]
fn blobs_writes_labels_and_centers() {
    let dir = tempfile::tempdir().unwrap();
    let (p, l, c) = (
        path(dir.path(), "p.npy"),
        path(dir.path(), "l.npy"),
        path(dir.path(), "c.csv"),
    );
    let out = ok(&[
        "blobs",
        "--samples",
        "1001",
        "--centers",
        "3",
        "--features",
        "5",
        "--seed",
        "7",
        "--generator",
        "fast",
        "--out",
        &p,
        "--labels-out",
        &l,
        "--centers-out",
        &c,
    ]);
    assert!(out.contains("1001 points × 5 features"), "{out}");
    assert_eq!(std::fs::read_to_string(&c).unwrap().lines().count(), 3);
    // numpy's .npy header for an int64 vector of 1001.
    let labels = std::fs::read(&l).unwrap();
    let header = String::from_utf8_lossy(&labels[..128]);
    assert!(
        header.contains("'descr': '<i8'") && header.contains("(1001,)"),
        "{header}"
    );
}

/// Every bad input: exit status 2, exactly one line on stderr that names the problem,
/// and never a panic.
#[test]
fn bad_input_gets_one_clear_line_and_a_nonzero_exit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let points = seed_points(d);
    let write = |name: &str, bytes: &[u8]| -> PathBuf {
        let p = d.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let s = |p: PathBuf| p.to_str().unwrap().to_string();
    let ragged = s(write("ragged.csv", b"1,2\n3,4\n5\n"));
    let nan = s(write("nan.csv", b"1,2\n3,nan\n5,6\n"));
    let inf = s(write("inf.csv", b"1,2\n3,4\n-inf,6\n"));
    let words = s(write("words.csv", b"1,2\nthree,4\n"));
    let garbage = s(write("garbage.npy", b"\x93NUMPY\x01\x00garbage"));
    let empty = s(write("empty.csv", b""));
    let text = s(write("notes.npy", b"just some text\n"));
    let centers3d = s(write("c3.csv", b"0,0,0\n1,1,1\n"));
    let missing = s(d.join("missing.npy"));
    let out = s(d.join("no-such-dir").join("r.json"));
    let labels = s(d.join("labels.npy"));
    ok(&[
        "blobs",
        "--samples",
        "10",
        "--centers",
        "2",
        "--out",
        &s(d.join("p.npy")),
        "--labels-out",
        &labels,
    ]);

    // `ladder fit` of the seed points with k = 3 on the distributed stage, and `extra`.
    let distributed = |extra: &[&'static str]| -> Vec<&str> {
        let mut args = vec!["fit", "--input", points.as_str(), "--k", "3"];
        args.extend(["--stage", "distributed"]);
        args.extend_from_slice(extra);
        args
    };
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["fit", "--input", &missing, "--k", "3"], "no such file"),
        (
            vec!["fit", "--input", &garbage, "--k", "3"],
            "not a float .npy array of points",
        ),
        (vec!["fit", "--input", &labels, "--k", "3"], "dtype is <i8"),
        (vec!["fit", "--input", &ragged, "--k", "1"], "line 3"),
        (vec!["fit", "--input", &words, "--k", "1"], "not a number"),
        (vec!["fit", "--input", &nan, "--k", "1"], "NaN"),
        (vec!["fit", "--input", &inf, "--k", "1"], "inf"),
        (vec!["fit", "--input", &empty, "--k", "1"], "no points"),
        (
            vec!["fit", "--input", &text, "--k", "1"],
            "does not start with numpy's .npy header",
        ),
        (
            vec!["fit", "--input", &points, "--k", "0"],
            "k must be at least 1",
        ),
        (
            vec!["fit", "--input", &points, "--k", "5001"],
            "larger than the number of points",
        ),
        (vec!["fit", "--input", &points], "--k is required"),
        (
            vec!["fit", "--input", &points, "--k", "3", "--stage", "turbo"],
            "unknown stage",
        ),
        (
            vec!["fit", "--input", &points, "--k", "3", "--init", "middle"],
            "unknown init",
        ),
        (
            vec!["fit", "--input", &points, "--k", "3", "--max-iter", "0"],
            "max_iter",
        ),
        (
            vec!["fit", "--input", &points, "--init-centers", &centers3d],
            "3 features",
        ),
        (
            vec!["fit", "--input", &points, "--k", "3", "--out", &out],
            "directory does not exist",
        ),
        (vec!["fit", "--input", &points, "--k", "x"], "invalid value"),
        (
            vec!["blobs", "--samples", "0", "--centers", "2", "--out", &out],
            "n_samples",
        ),
        (
            vec![
                "blobs",
                "--samples",
                "9",
                "--centers",
                "2",
                "--seed",
                "4294967296",
                "--out",
                &out,
            ],
            "seeds",
        ),
        (
            vec![
                "blobs",
                "--samples",
                "9",
                "--centers",
                "2",
                "--std",
                "-1",
                "--out",
                &out,
            ],
            "cluster_std",
        ),
        (
            vec!["blobs", "--samples", "9", "--centers", "2", "--out", &out],
            "directory does not exist",
        ),
        (vec!["frobnicate"], "unrecognized subcommand"),
        (
            vec!["fit", "--input", &points, "--k", "3", "--workers", "2"],
            "only applies to --stage distributed",
        ),
        (
            distributed(&["--workers", "0"]),
            "--workers must be at least 1",
        ),
        (distributed(&["--process", "1"]), "--process needs --hosts"),
        (
            vec![
                "fit",
                "--input",
                &points,
                "--k",
                "3",
                "--stage",
                "distributed",
                "--hosts",
                &missing,
                "--process",
                "0",
            ],
            "missing.npy",
        ),
        (distributed(&["--timeout", "0"]), "--timeout must be"),
        (
            vec!["fit", "--input", &nan, "--k", "1", "--stage", "distributed"],
            "NaN",
        ),
        (
            distributed(&["--cpus", "100000"]),
            "may not run on CPU 100000",
        ),
        (distributed(&["--cpus", "3-1"]), "is not a CPU list"),
        (
            vec!["fit", "--input", &points, "--k", "3", "--cpus", "0"],
            "--cpus only applies to --stage distributed",
        ),
    ];
    for (args, want) in cases {
        let out = ladder(&args);
        let err = stderr(&out);
        assert!(!out.status.success(), "{args:?} succeeded");
        // Usage and input errors exit 2 (1 is for failures while running).
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "{args:?}: not one line: {err}"
        );
        assert!(err.starts_with("ladder: error: "), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: expected {want:?} in {err}");
        assert!(err.len() < 300, "{args:?}: {} chars: {err}", err.len());
        // No clause said twice ("…: X: X").
        let message = err.trim_start_matches("ladder: error: ").trim_end();
        let clauses: Vec<&str> = message.split([':', ';']).map(str::trim).collect();
        for (i, c) in clauses.iter().enumerate() {
            let again = clauses[i + 1..].contains(c) && c.len() > 3;
            assert!(!again, "{args:?}: {c:?} repeated in {err}");
        }
    }
    // Nothing half-written was left: no output, no temporary file.
    let mut left: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    let mut made = vec![
        "c3.csv",
        "empty.csv",
        "garbage.npy",
        "inf.csv",
        "labels.npy",
        "nan.csv",
        "notes.npy",
        "p.npy",
        "ragged.csv",
        "seed.npy",
        "words.csv",
    ];
    made.sort();
    assert_eq!(left, made);
}

/// A results.json of two rows, naive and pruned, at these medians (±1 %).
fn results_json(dir: &Path, name: &str, naive: f64, pruned: f64) -> String {
    use ladder_harness::report::{
        Language, Machine, Measurement, PythonSection, Report, RowKind, Timing, WorkloadInfo,
    };
    let row = |name: &str, median: f64| Measurement {
        name: name.into(),
        summary: String::new(),
        kind: RowKind::Rung,
        language: Language::Rust,
        timing: Timing {
            median_seconds: median,
            ci_low_seconds: median * 0.99,
            ci_high_seconds: median * 1.01,
            samples: 100,
            source: "test".into(),
        },
        iterations: Some(54),
        labels: vec![0, 1],
        split: None,
        work: None,
        flamegraph: None,
        details: Default::default(),
        peak_bytes: None,
        line_profile: Vec::new(),
        versions: Default::default(),
        seed_figure: None,
    };
    let workload = WorkloadInfo {
        description: "test".into(),
        n: 2,
        d: 1,
        k: 2,
        init: "last-k".into(),
    };
    let report = Report::new(
        (Machine::unknown(), workload, "full"),
        vec![row("naive", naive), row("pruned", pruned)],
        PythonSection::Absent { why: "test".into() },
        None,
    )
    .unwrap();
    let file = path(dir, name);
    std::fs::write(&file, serde_json::to_string(&report).unwrap()).unwrap();
    file
}

#[test]
fn compare_gates_on_significant_slowdowns_beyond_the_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let old = results_json(dir.path(), "old.json", 0.020, 0.0004);
    // pruned 30 % slower, intervals apart; naive 0.5 % slower, within noise.
    let slow = results_json(dir.path(), "slow.json", 0.0201, 0.00052);
    let out = ladder(&["compare", &old, &slow]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("REGRESSED"), "{text}");
    assert!(text.contains("not significant"), "{text}");
    assert!(text.contains("Regressed beyond 10%: pruned."), "{text}");
    // A looser threshold lets the same change pass; so does a faster run.
    assert_eq!(
        ladder(&["compare", &old, &slow, "--threshold", "50"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(ladder(&["compare", &slow, &old]).status.code(), Some(0));
    // A file that is not a report is an input error: exit 2, one line naming it.
    let bad = path(dir.path(), "bad.json");
    std::fs::write(&bad, "{}").unwrap();
    let out = ladder(&["compare", &old, &bad]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("bad.json") && err.contains("schema_version"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let out = ladder(&["compare", &old, &slow, "--threshold", "-1"]);
    assert_eq!(out.status.code(), Some(2));
}
