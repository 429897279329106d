//! `ladder` against the Python originals on data it has not seen before: scikit-learn's
//! `make_blobs` for the data, the seed's pure-Python k-means for the fit
//! (`scripts/check_against_python.py`).
//!
//! Needs `python3` with numpy and scikit-learn (`pip install -r scripts/requirements.txt`).
//! Without them the tests say so and pass, unless `LADDER_REQUIRE_PYTHON=1` (CI sets it),
//! which turns a missing Python into a failure.

use std::path::Path;
use std::process::Command;

use ladder_test_support::Ladder;

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../scripts/check_against_python.py"
);

fn python_ready() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import numpy, sklearn"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("LADDER_REQUIRE_PYTHON").is_none(),
            "LADDER_REQUIRE_PYTHON is set but python3 cannot import numpy and sklearn; \
             run pip install -r scripts/requirements.txt"
        );
        eprintln!("skipped: python3 with numpy and scikit-learn is not installed");
    }
    ok
}

fn run(program: &str, args: &[&str]) {
    let out = Command::new(program).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{program} {args:?}:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn ladder(args: &[&str]) {
    Ladder::at(env!("CARGO_BIN_EXE_ladder")).ok(args);
}

fn check(args: &[&str]) {
    let mut all = vec![SCRIPT];
    all.extend_from_slice(args);
    run("python3", &all);
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Fits `points` with every stage (`extra` holds k, init, …) and checks every result
/// against one run of the Python algorithm: labels, iterations and convergence for all,
/// centers bit for bit for `naive`.
fn fit_every_stage_and_check(dir: &Path, points: &Path, extra: &[&str]) {
    let mut results = Vec::new();
    for stage in ladder_harness::stages::all() {
        let result = dir.join(format!("{}.json", stage.name()));
        let mut args = vec![
            "fit",
            "--input",
            s(points),
            "--stage",
            stage.name(),
            "--out",
            s(&result),
        ];
        args.extend_from_slice(extra);
        ladder(&args);
        results.push(result);
    }
    check(&["fit", s(points), s(&results[0]), "--exact-centers"]);
    let mut all = vec!["fit", s(points)];
    all.extend(results[1..].iter().map(|r| s(r)));
    check(&all);
}

/// (samples, centers, features, std, seed, shuffle)
const BLOB_SETS: [(usize, usize, usize, &str, u64, bool); 7] = [
    (5000, 4, 2, "0.6", 0, true),
    (1000, 3, 2, "1.0", 0, true),
    (777, 5, 3, "2.5", 12345, true),
    (20001, 9, 7, "1.0", 11, true),
    (1, 1, 4, "0.0", 4294967295, true),
    (4099, 7, 16, "0.3", 42, false),
    (10, 12, 2, "1.0", 3, true),
];

#[test]
fn blobs_equal_scikit_learn_byte_for_byte() {
    if !python_ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (points, labels) = (dir.path().join("p.npy"), dir.path().join("l.npy"));
    for (n, c, d, std, seed, shuffle) in BLOB_SETS {
        let (n, c, d, seed) = (
            n.to_string(),
            c.to_string(),
            d.to_string(),
            seed.to_string(),
        );
        let mut args = vec![
            "blobs",
            "--samples",
            &n,
            "--centers",
            &c,
            "--features",
            &d,
            "--std",
            std,
            "--seed",
            &seed,
            "--out",
            s(&points),
            "--labels-out",
            s(&labels),
        ];
        if !shuffle {
            args.push("--no-shuffle");
        }
        ladder(&args);
        let shuffle = if shuffle { "true" } else { "false" };
        check(&[
            "blobs",
            s(&points),
            s(&labels),
            &n,
            &c,
            &d,
            std,
            &seed,
            shuffle,
        ]);
    }
}

#[test]
fn every_stage_fits_like_the_seeds_pure_python_algorithm() {
    if !python_ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let points = dir.path().join("p.npy");
    // (samples, centers, features, std, seed) of the data; then fits: (k, init, max_iter)
    type Data = (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    );
    type Fits = &'static [(&'static str, &'static str, Option<&'static str>)];
    let cases: [(Data, Fits); 4] = [
        (
            ("1500", "5", "2", "1.2", "7"),
            &[
                ("1", "last-k", None),
                ("3", "first-k", None),
                ("8", "random", None),
                ("12", "kmeans++", None),
                ("12", "last-k", Some("4")),
            ],
        ),
        (
            ("600", "3", "5", "2.0", "2024"),
            &[("7", "last-k", None), ("7", "kmeans++", Some("2"))],
        ),
        (
            ("300", "4", "1", "0.5", "5"),
            &[("6", "random", None), ("300", "last-k", None)],
        ),
        (
            ("900", "6", "3", "3.0", "77"),
            &[("10", "first-k", None), ("25", "last-k", None)],
        ),
    ];
    for ((n, c, d, std, seed), fits) in cases {
        ladder(&[
            "blobs",
            "--samples",
            n,
            "--centers",
            c,
            "--features",
            d,
            "--std",
            std,
            "--seed",
            seed,
            "--out",
            s(&points),
        ]);
        for &(k, init, max_iter) in fits {
            let mut extra = vec!["--k", k, "--init", init, "--seed", "3"];
            if let Some(m) = max_iter {
                extra.extend(["--max-iter", m]);
            }
            fit_every_stage_and_check(dir.path(), &points, &extra);
        }
    }
}

#[test]
fn duplicates_and_exact_ties_match_python() {
    if !python_ready() {
        return;
    }
    // Integer points, many repeated, on a grid where distances tie exactly.
    let data: Vec<f64> = (0..400)
        .flat_map(|i| [(i % 7) as f64, (i * i % 5) as f64])
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let points = dir.path().join("grid.npy");
    let matrix = ladder_core::Matrix::new(data, 2).unwrap();
    ladder_blobs::io::write_points_npy(&points, &matrix).unwrap();
    for (k, init) in [
        ("4", "last-k"),
        ("6", "first-k"),
        ("9", "random"),
        ("5", "kmeans++"),
        ("30", "last-k"),
    ] {
        fit_every_stage_and_check(dir.path(), &points, &["--k", k, "--init", init]);
    }
}
