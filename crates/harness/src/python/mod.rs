//! The seed's Python ladder beside the Rust one, in the same run: the points, initial
//! centers and `naive` labels written as `.npy`, `scripts/python_ladder.py` run on them in
//! the ladder's own environment ([`env`]), its JSON turned into the report's rows.
//!
//! `LADDER_PYTHON=off` skips it; `LADDER_PYTHON=/path/to/python3` picks the interpreter
//! the environment is made from. Whatever goes wrong — no python3, no network for the
//! install, a peer that fails — the Rust report still completes and says which Python
//! rows are absent and why.

pub mod env;
pub mod scaling;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use ladder_core::Matrix;
use serde::Deserialize;

use crate::line_profile::LineShare;
use crate::report::{AbsentRow, Language, Measurement, PythonSection, RowKind, SeedFigure, Timing};
use env::{EnvSpec, Install};

/// How the Python ladder is run.
#[derive(Debug, Clone)]
pub struct PythonSettings {
    /// The workspace (its `scripts/` and `target/`).
    pub workspace: PathBuf,
    /// Few samples.
    pub quick: bool,
    /// Threads for every peer (BLAS, OpenMP, numba, dask).
    pub threads: usize,
    /// The interpreter the environment is made from.
    pub base: String,
    /// Bound on the first install.
    pub install_timeout: Duration,
    /// Bound on one measuring run.
    pub run_timeout: Duration,
}

impl PythonSettings {
    /// From `LADDER_PYTHON` (`off`: `None`); the environment under `target/python-ladder/`.
    pub fn from_env(workspace: &Path, quick: bool, threads: usize) -> Option<Self> {
        let base = std::env::var("LADDER_PYTHON").unwrap_or_else(|_| "python3".into());
        if base == "off" {
            return None;
        }
        Some(Self {
            workspace: workspace.to_path_buf(),
            quick,
            threads,
            base,
            install_timeout: Duration::from_secs(600),
            run_timeout: Duration::from_secs(if quick { 240 } else { 480 }),
        })
    }

    fn dir(&self) -> PathBuf {
        let target = std::env::var_os("CARGO_TARGET_DIR").map_or("target".into(), PathBuf::from);
        self.workspace.join(target).join("python-ladder")
    }

    /// The ladder's environment, as [`env`] makes or reuses it.
    fn spec(&self) -> EnvSpec {
        EnvSpec {
            base: self.base.clone(),
            dir: self.dir().join("venv"),
            requirements: self.workspace.join("scripts/pyladder/requirements.txt"),
            timeout: self.install_timeout,
        }
    }
}

/// Runs `command` (the script `script`) to its end within `timeout`.
fn run_bounded(mut command: Command, script: &str, timeout: Duration) -> Result<()> {
    let mut child = command
        .stdin(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {script}"))?;
    match wait_bounded(&mut child, timeout) {
        Some(status) if status.success() => Ok(()),
        Some(status) => bail!("{script} failed ({status}); its errors are above"),
        None => bail!("{script} did not finish within {} s", timeout.as_secs()),
    }
}

/// What `naive` did, that every Python row is checked against.
#[derive(Debug, Clone, Copy)]
pub struct Reference<'a> {
    /// Its labels.
    pub labels: &'a [u32],
    /// Its passes.
    pub iterations: usize,
}

/// The Python rows of the report, and what became of the ladder (`None` settings: off).
pub fn measure(
    settings: Option<&PythonSettings>,
    points: &Matrix,
    initial: &[f64],
    reference: Reference<'_>,
) -> (Vec<Measurement>, PythonSection) {
    let Some(settings) = settings else {
        let why = "LADDER_PYTHON=off".to_string();
        return (Vec::new(), PythonSection::Absent { why });
    };
    match run(settings, points, initial, reference) {
        Ok(measured) => measured,
        Err(e) => {
            eprintln!("python ladder: {e:#}");
            (
                Vec::new(),
                PythonSection::Absent {
                    why: format!("{e:#}"),
                },
            )
        }
    }
}

fn run(
    settings: &PythonSettings,
    points: &Matrix,
    initial: &[f64],
    reference: Reference<'_>,
) -> Result<(Vec<Measurement>, PythonSection)> {
    let dir = settings.dir();
    let spec = settings.spec();
    let environment = spec.prepare()?;
    let files = write_inputs(&dir.join("seed"), points, initial, reference)?;
    let out = dir.join("seed").join("python.json");
    let mut command = Command::new(&environment.python);
    command
        .arg(settings.workspace.join("scripts/python_ladder.py"))
        .args([
            "--points",
            &files[0],
            "--initial",
            &files[1],
            "--labels",
            &files[2],
        ])
        .args(["--iterations", &reference.iterations.to_string()])
        .args(["--threads", &settings.threads.to_string(), "--out"])
        .arg(&out)
        .env("LADDER_PYX_BUILD", dir.join("pyx"));
    if settings.quick {
        command.arg("--quick");
    }
    eprintln!(
        "python ladder: measuring with {}",
        environment.python.display()
    );
    let script = "scripts/python_ladder.py";
    run_bounded(command, script, settings.run_timeout)?;
    let text = std::fs::read_to_string(&out).with_context(|| out.display().to_string())?;
    let output: Output = serde_json::from_str(&text).with_context(|| out.display().to_string())?;
    let environment = match environment.install {
        Install::Reused => format!("environment {} reused", spec.dir.display()),
        Install::Installed(took) => format!(
            "environment {} installed in {:.0} s from scripts/pyladder/requirements.txt",
            spec.dir.display(),
            took.as_secs_f64()
        ),
        Install::Incomplete(why) => format!("environment incomplete: {why}"),
    };
    let section = PythonSection::Measured {
        interpreter: format!("{} {}", output.implementation, output.python),
        environment,
        threads: output.threads,
        absent: output.absent,
    };
    Ok((
        output.rows.into_iter().map(Row::into_measurement).collect(),
        section,
    ))
}

/// Writes the points, the initial centers and naive's labels as `.npy` into `dir`;
/// returns their paths.
fn write_inputs(
    dir: &Path,
    points: &Matrix,
    initial: &[f64],
    reference: Reference<'_>,
) -> Result<[String; 3]> {
    std::fs::create_dir_all(dir).with_context(|| dir.display().to_string())?;
    let paths = ["points.npy", "initial.npy", "labels.npy"].map(|f| dir.join(f));
    ladder_blobs::io::write_points_npy(&paths[0], points)?;
    let initial = Matrix::new(initial.to_vec(), points.d())?;
    ladder_blobs::io::write_points_npy(&paths[1], &initial)?;
    let labels: Vec<i64> = reference.labels.iter().map(|&l| i64::from(l)).collect();
    ladder_blobs::io::write_labels_npy(&paths[2], &labels)?;
    Ok(paths.map(|p| p.display().to_string()))
}

/// Waits for `child` at most `timeout`; kills it and returns `None` past that.
pub(crate) fn wait_bounded(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if start.elapsed() < timeout => std::thread::sleep(Duration::from_millis(100)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

/// `python_ladder.py`'s output.
#[derive(Debug, Deserialize)]
struct Output {
    python: String,
    implementation: String,
    threads: usize,
    rows: Vec<Row>,
    absent: Vec<AbsentRow>,
}

/// One measured Python row.
#[derive(Debug, Deserialize)]
struct Row {
    name: String,
    kind: RowKind,
    summary: String,
    labels: Vec<u32>,
    iterations: usize,
    versions: BTreeMap<String, String>,
    seed_figure: Option<SeedFigure>,
    timing: Timing,
    peak_bytes: u64,
    #[serde(default)]
    line_profile: Vec<LineShare>,
}

impl Row {
    fn into_measurement(self) -> Measurement {
        Measurement {
            name: self.name,
            summary: self.summary,
            kind: self.kind,
            language: Language::Python,
            timing: self.timing,
            iterations: Some(self.iterations),
            labels: self.labels,
            split: None,
            work: None,
            flamegraph: None,
            details: Default::default(),
            peak_bytes: Some(self.peak_bytes),
            line_profile: self.line_profile,
            versions: self.versions,
            seed_figure: self.seed_figure,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_means_absent_with_the_reason() {
        let points = Matrix::new(vec![0.0, 1.0], 1).unwrap();
        let reference = Reference {
            labels: &[0, 0],
            iterations: 1,
        };
        let (rows, section) = measure(None, &points, &[0.0], reference);
        assert!(rows.is_empty());
        assert!(
            section
                .describe()
                .contains("absent from this run: LADDER_PYTHON=off")
        );
    }

    #[test]
    fn reads_the_scripts_rows() {
        let text = r#"{"python": "3.11.7", "implementation": "CPython", "threads": 2,
          "quick": true, "absent": [{"name": "faiss", "why": "faiss-cpu does not import"}],
          "rows": [{"name": "pure Python", "kind": "rung", "summary": "s", "labels": [0, 1],
            "iterations": 54, "versions": {"python": "3.11.7"},
            "seed_figure": {"seconds": 2.76, "note": "whole fit"},
            "timing": {"median_seconds": 2.0, "ci_low_seconds": 1.9, "ci_high_seconds": 2.1,
                       "samples": 3, "source": "3 fits, min–max"},
            "peak_bytes": 1000,
            "line_profile": [{"function": "dist", "file": "scripts/seed_kmeans.py",
              "line": 21, "hits": 2700000, "seconds": 6.2, "share": 0.68, "source": "return"}]}]}"#;
        let output: Output = serde_json::from_str(text).unwrap();
        assert_eq!(output.absent[0].name, "faiss");
        let m = output.rows.into_iter().next().unwrap().into_measurement();
        assert_eq!(
            (m.language, m.kind, m.peak_bytes),
            (Language::Python, RowKind::Rung, Some(1000))
        );
        assert_eq!(m.line_profile[0].hits, Some(2_700_000));
        assert_eq!(m.seed_figure.unwrap().seconds, 2.76);
    }
}
