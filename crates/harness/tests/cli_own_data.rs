//! `ladder` on people's own data: every input kind from a file and from stdin, labels
//! and centers out, `predict`, `--stage all`, outputs that are whole or absent, and the
//! exit-code convention — all through the real binary.

use std::path::Path;
use std::process::Output;

use ladder_test_support::{Ladder, labels_of, npy_header, read_json, stderr, stdout};

const LADDER: Ladder = Ladder::at(env!("CARGO_BIN_EXE_ladder"));

fn path(dir: &Path, name: &str) -> String {
    dir.join(name).to_str().unwrap().to_string()
}

/// 600 points of 3 blobs in 3 features, written by `ladder blobs`, and their values.
fn blob_points(dir: &Path) -> (String, Vec<f64>) {
    let points = path(dir, "blobs.csv");
    LADDER.ok(&[
        "blobs",
        "--samples",
        "600",
        "--centers",
        "3",
        "--features",
        "3",
        "--out",
        &points,
    ]);
    let text = std::fs::read_to_string(&points).unwrap();
    let values = text
        .split([',', '\n'])
        .filter(|f| !f.is_empty())
        .map(|f| f.parse().unwrap())
        .collect();
    (points, values)
}

/// A version-1 `.npy` file: the header for `descr`, order and shape, then `data`.
fn npy(descr: &str, fortran: bool, shape: &str, data: &[u8]) -> Vec<u8> {
    let order = if fortran { "True" } else { "False" };
    let mut dict = format!("{{'descr': '{descr}', 'fortran_order': {order}, 'shape': {shape}, }}");
    // Padded as numpy pads: the data starts on a multiple of 64 bytes.
    while (10 + dict.len() + 1) % 64 != 0 {
        dict.push(' ');
    }
    let mut bytes = npy_header(&dict);
    bytes.extend_from_slice(data);
    bytes
}

/// A fit's labels (from its `--out`).
fn fit_labels(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Vec<u32> {
    let out = path(dir, "fit.json");
    let mut all = vec!["fit"];
    all.extend_from_slice(args);
    all.extend(["--k", "3", "--out", &out]);
    let run = match stdin {
        Some(bytes) => LADDER.run_with_stdin(&all, bytes),
        None => LADDER.run(&all),
    };
    assert!(run.status.success(), "{all:?}: {}", stderr(&run));
    labels_of(&read_json(Path::new(&out))["labels"])
}

#[test]
fn every_input_kind_from_a_file_or_stdin_fits_to_naives_labels() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (csv, values) = blob_points(d);
    let naive = fit_labels(d, &["--input", &csv], None);
    let (n, f) = (600, 3);
    let le: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    let be: Vec<u8> = values.iter().flat_map(|v| v.to_be_bytes()).collect();
    let column_major: Vec<u8> = (0..f)
        .flat_map(|j| (0..n).map(move |i| (i, j)))
        .flat_map(|(i, j)| values[i * f + j].to_le_bytes())
        .collect();
    let text = |sep: &str, header: &str| -> Vec<u8> {
        let rows = values.chunks(f).map(|r| {
            let r: Vec<String> = r.iter().map(|v| format!("{v:?}")).collect();
            r.join(sep)
        });
        let lines: Vec<String> = std::iter::once(header.to_string()).chain(rows).collect();
        lines.join("\r\n").into_bytes()
    };
    let shape = "(600, 3)";
    let inputs: Vec<(&str, Vec<u8>)> = vec![
        ("c.npy", npy("<f8", false, shape, &le)),
        ("big-endian.npy", npy(">f8", false, shape, &be)),
        ("fortran.npy", npy("<f8", true, shape, &column_major)),
        ("comma.csv", text(",", "x,y,z")),
        ("tab.tsv", text("\t", "# made by hand")),
        ("semicolon.txt", text(";", "\"a\";\"b\";\"c\"")),
        ("spaces.dat", text("   ", "")),
    ];
    for (name, bytes) in &inputs {
        let file = path(d, name);
        std::fs::write(&file, bytes).unwrap();
        for stage in ["naive", "pruned"] {
            let from_file = fit_labels(d, &["--input", &file, "--stage", stage], None);
            assert_eq!(from_file, naive, "{name}, {stage}");
        }
        let from_stdin = fit_labels(d, &["--input", "-", "--stage", "parallel"], Some(bytes));
        assert_eq!(from_stdin, naive, "{name} on stdin");
    }
    // float32 and 1-D: naive's labels of the same (widened) values.
    let f32s: Vec<u8> = values
        .iter()
        .flat_map(|&v| (v as f32).to_le_bytes())
        .collect();
    let widened: Vec<u8> = values
        .iter()
        .flat_map(|&v| f64::from(v as f32).to_le_bytes())
        .collect();
    let (a, b) = (path(d, "f32.npy"), path(d, "widened.npy"));
    std::fs::write(&a, npy("<f4", false, shape, &f32s)).unwrap();
    std::fs::write(&b, npy("<f8", false, shape, &widened)).unwrap();
    let want = fit_labels(d, &["--input", &b], None);
    assert_eq!(
        fit_labels(d, &["--input", &a, "--stage", "pruned"], None),
        want
    );
    let one_d = npy("<f8", false, "(600,)", &le[..600 * 8]);
    let run = LADDER.run_with_stdin(&["fit", "--input", "-", "--k", "2"], &one_d);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(stderr(&run).contains("stdin: a 1-D array, read as 600 points of one feature"));
    // A delimiter given is used; a wrong one is said.
    let semicolon = path(d, "semicolon.txt");
    let given = ["--input", &semicolon, "--delimiter", "semicolon"];
    assert_eq!(fit_labels(d, &given, None), naive);
    let wrong = LADDER.run(&[
        "fit",
        "--input",
        &semicolon,
        "--k",
        "3",
        "--delimiter",
        "tab",
    ]);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(
        stderr(&wrong).contains("tab delimited; see --delimiter"),
        "{}",
        stderr(&wrong)
    );
}

#[test]
fn labels_and_centers_go_out_and_predict_gives_the_fits_labels_back() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (csv, _) = blob_points(d);
    let (model, labels_csv, labels_npy, centers) = (
        path(d, "model.json"),
        path(d, "labels.csv"),
        path(d, "labels.npy"),
        path(d, "centers.csv"),
    );
    let fit = [
        "fit",
        "--input",
        &csv,
        "--k",
        "3",
        "--stage",
        "pruned",
        "--out",
        &model,
        "--labels-out",
        &labels_csv,
        "--centers-out",
        &centers,
    ];
    LADDER.ok(&fit);
    let record = read_json(Path::new(&model));
    assert_eq!(record["schema_version"], 1);
    let labels = labels_of(&record["labels"]);
    let written: Vec<u32> = std::fs::read_to_string(&labels_csv)
        .unwrap()
        .lines()
        .map(|l| l.parse().unwrap())
        .collect();
    assert_eq!(written, labels);
    assert_eq!(
        std::fs::read_to_string(&centers).unwrap().lines().count(),
        3
    );

    // predict on the training points: the fit's labels, to a file or to stdout.
    let predict = [
        "predict",
        "--model",
        &model,
        "--input",
        &csv,
        "--labels-out",
        &labels_npy,
    ];
    let said = LADDER.ok(&predict);
    assert!(
        said.contains("assigned 600 points to the k = 3 centers"),
        "{said}"
    );
    let printed = LADDER.ok(&["predict", "--model", &model, "--input", &csv]);
    let printed: Vec<u32> = printed.lines().map(|l| l.parse().unwrap()).collect();
    assert_eq!(printed, labels);
    let bytes = std::fs::read(&labels_npy).unwrap();
    let from_npy: Vec<u32> = bytes[bytes.len() - 600 * 8..]
        .chunks(8)
        .map(|b| i64::from_le_bytes(b.try_into().unwrap()) as u32)
        .collect();
    assert_eq!(from_npy, labels);
    // Piped points, the same answer.
    let piped = LADDER.run_with_stdin(
        &["predict", "--model", &model, "--input", "-"],
        &std::fs::read(&csv).unwrap(),
    );
    assert_eq!(stdout(&piped).lines().count(), 600);

    // A model that is not one, or of another dimension, is the user's error.
    let two_d = path(d, "two.csv");
    std::fs::write(&two_d, "1,2\n3,4\n").unwrap();
    for (args, want) in [
        (
            vec!["--model", &csv, "--input", &csv],
            "not a `ladder fit --out` result (it is not JSON)",
        ),
        (
            vec!["--model", &labels_npy, "--input", &csv],
            "it is not JSON",
        ),
        (vec!["--model", &two_d, "--input", &csv], "it is not JSON"),
        (
            vec!["--model", &model, "--input", &two_d],
            "the points have 2 features but the model's centers have 3",
        ),
    ] {
        let mut all = vec!["predict"];
        all.extend(args);
        let run = LADDER.run(&all);
        assert_eq!(run.status.code(), Some(2), "{all:?}: {}", stderr(&run));
        assert!(stderr(&run).contains(want), "{all:?}: {}", stderr(&run));
    }
    let no_centers = path(d, "other.json");
    std::fs::write(
        &no_centers,
        r#"{"stage": "naive", "d": 3, "k": 3, "converged": true}"#,
    )
    .unwrap();
    let run = LADDER.run(&["predict", "--model", &no_centers, "--input", &csv]);
    assert!(
        stderr(&run).contains("missing field `centers`"),
        "{}",
        stderr(&run)
    );
}

#[test]
fn stage_all_runs_every_stage_and_prints_their_table() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (csv, _) = blob_points(d);
    let out = path(d, "all.json");
    let said = LADDER.ok(&[
        "fit",
        "--input",
        &csv,
        "--k",
        "3",
        "--stage",
        "all",
        "--repeat",
        "2",
        "--out",
        &out,
        "--pruning",
        "elkan",
        "--workers",
        "1",
    ]);
    assert!(said.contains("median of 2 fits after a warm-up"), "{said}");
    let record = read_json(Path::new(&out));
    let stages = record["stages"].as_array().unwrap();
    let names: Vec<&str> = stages
        .iter()
        .map(|s| s["stage"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "naive",
            "vectorized",
            "spatial-tree",
            "parallel",
            "pruned",
            "distributed"
        ]
    );
    for stage in stages {
        assert_eq!(stage["agrees"], true, "{stage}");
        assert_eq!(stage["fits"], 2);
        assert!(said.contains(&format!("| {} |", stage["stage"].as_str().unwrap())));
    }
    assert_eq!(record["stage"], "naive");
    // It is a model too.
    let predicted = LADDER.ok(&["predict", "--model", &out, "--input", &csv]);
    let predicted: Vec<u32> = predicted.lines().map(|l| l.parse().unwrap()).collect();
    assert_eq!(predicted, labels_of(&record["labels"]));
}

/// Files in `dir` other than `keep`.
fn leftovers(dir: &Path, keep: &[&str]) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !keep.contains(&name.as_str()))
        .collect()
}

#[test]
fn a_failure_leaves_no_output_behind_and_exits_by_kind() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (csv, _) = blob_points(d);
    let keep = ["blobs.csv", "old.json"];
    let old = path(d, "old.json");
    std::fs::write(&old, "the previous result").unwrap();
    let outs = [
        "--out",
        &old,
        "--labels-out",
        &path(d, "l.npy"),
        "--centers-out",
        &path(d, "c.csv"),
    ];
    // Found after the outputs were created: k too large, a bad init file.
    let bad_centers = path(d, "missing.csv");
    for extra in [&["--k", "601"][..], &["--init-centers", &bad_centers][..]] {
        let mut args = vec!["fit", "--input", &csv];
        args.extend_from_slice(extra);
        args.extend_from_slice(&outs);
        let run = LADDER.run(&args);
        assert_eq!(run.status.code(), Some(2), "{args:?}: {}", stderr(&run));
        assert_eq!(leftovers(d, &keep), Vec::<String>::new(), "{args:?}");
        assert_eq!(
            std::fs::read_to_string(&old).unwrap(),
            "the previous result"
        );
    }
    // Messages name the file, say it once, and keep big numbers short.
    let huge = path(d, "huge.csv");
    std::fs::write(&huge, "1,2\n1e300,3\n").unwrap();
    let run = LADDER.run(&["fit", "--input", &huge, "--k", "1"]);
    let err = stderr(&run);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        err.contains("huge.csv: row 1, feature 0 is 1e300: coordinates beyond ±1e150"),
        "{err}"
    );
    let run = LADDER.run(&[
        "fit",
        "--input",
        &csv,
        "--k",
        "3",
        "--out",
        d.to_str().unwrap(),
    ]);
    assert!(
        stderr(&run)
            .trim_end()
            .ends_with("is a directory; give a file"),
        "{}",
        stderr(&run)
    );
    let both = LADDER.run_with_stdin(&["fit", "--input", "-", "--init-centers", "-"], b"1,2\n");
    assert_eq!(both.status.code(), Some(2));
    assert!(
        stderr(&both).contains("stdin already holds the points"),
        "{}",
        stderr(&both)
    );
    let clash = LADDER.run(&["fit", "--input", &csv, "--k", "3", "--labels-out", &csv]);
    assert_eq!(clash.status.code(), Some(2));
    assert!(stderr(&clash).contains("is also --input; give each output its own file"));
    let help = LADDER.ok(&["--help"]);
    assert!(help.contains("Exit status:") && help.contains("2  a usage or input problem"));
}

#[test]
fn quiet_says_nothing_and_verbose_says_how_the_input_was_read() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (csv, _) = blob_points(d);
    let run = |extra: &str| -> Output { LADDER.run(&["fit", "--input", &csv, "--k", "3", extra]) };
    let quiet = run("--quiet");
    assert!(quiet.status.success());
    assert_eq!(
        (stdout(&quiet), stderr(&quiet)),
        (String::new(), String::new())
    );
    let verbose = run("--verbose");
    let err = stderr(&verbose);
    assert!(
        err.contains("blobs.csv: CSV, comma delimited; 600 points × 3 features"),
        "{err}"
    );
    assert!(err.contains("ladder: pass 1: "), "{err}");
    // Not a terminal: no progress bar drawn.
    assert!(!err.contains("pass 1/"), "{err}");
}

#[test]
fn an_interrupt_removes_the_outputs_under_way_and_exits_130() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let points = path(d, "many.npy");
    LADDER.ok(&[
        "blobs",
        "--samples",
        "200000",
        "--centers",
        "50",
        "--features",
        "4",
        "--generator",
        "fast",
        "--out",
        &points,
    ]);
    let out = tempfile::tempdir().unwrap();
    let (json, labels) = (path(out.path(), "r.json"), path(out.path(), "l.npy"));
    // Far more passes than the test waits for.
    let child = std::process::Command::new(LADDER.path())
        .args([
            "fit",
            "--input",
            &points,
            "--k",
            "50",
            "--max-iter",
            "100000",
        ])
        .args(["--no-early-stop", "--out", &json, "--labels-out", &labels])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while leftovers(out.path(), &[]).len() < 2 {
        assert!(
            started.elapsed().as_secs() < 60,
            "no temporary outputs appeared"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(
        leftovers(out.path(), &[])
            .iter()
            .all(|f| f.ends_with(".partial"))
    );
    let pid = child.id().to_string();
    let kill = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(kill.success());
    let run = child.wait_with_output().unwrap();
    assert_eq!(run.status.code(), Some(130), "{}", stderr(&run));
    assert!(stderr(&run).contains("interrupted"), "{}", stderr(&run));
    assert_eq!(leftovers(out.path(), &[]), Vec::<String>::new());
}
