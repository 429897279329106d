//! The Python peers in the scaling study: a (d, k) line's points written as `.npy`,
//! `scripts/python_scaling.py` run on them in the ladder's environment under the same
//! budget rule, its cells read back.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result};
use ladder_core::Matrix;
use serde::{Deserialize, Serialize};

use super::env::Environment;
use super::{PythonSettings, run_bounded};
use crate::report::AbsentRow;
use crate::scaling::{Cell, Study};

/// Points bigger than this are not handed to Python (a file per cell).
pub const MAX_FILE_BYTES: usize = 512 << 20;

/// The peers' side of one study: the environment, and the files of the line at hand.
pub struct Peers {
    settings: PythonSettings,
    environment: Environment,
    files: Vec<LineFile>,
}

#[derive(Debug, Serialize)]
struct LineFile {
    /// `None`: too big to hand over (the script says so in the cell).
    points: Option<PathBuf>,
    n: usize,
    d: usize,
    k: usize,
}

#[derive(Debug, Deserialize)]
struct Output {
    cells: Vec<Cell>,
    absent: Vec<AbsentRow>,
}

impl Peers {
    /// The environment made or reused; `None` (and why, on stderr) if it cannot be.
    pub fn new(settings: PythonSettings) -> Option<Self> {
        match settings.spec().prepare() {
            Ok(environment) => Some(Self {
                settings,
                environment,
                files: Vec::new(),
            }),
            Err(e) => {
                eprintln!("scaling: no Python peers: {e}");
                None
            }
        }
    }

    fn dir(&self) -> PathBuf {
        self.settings.dir().join("scaling")
    }

    /// Keeps `points` (n × d, for k clusters) for the line's run; past
    /// [`MAX_FILE_BYTES`] only their shape, so that the peers' cell says why it is skipped.
    pub fn keep(&mut self, points: &Matrix, k: usize) -> Result<()> {
        let (n, d) = (points.n(), points.d());
        if n * d * 8 > MAX_FILE_BYTES {
            self.files.push(LineFile {
                points: None,
                n,
                d,
                k,
            });
            return Ok(());
        }
        let dir = self.dir();
        std::fs::create_dir_all(&dir).with_context(|| dir.display().to_string())?;
        let path = dir.join(format!("d{d}-k{k}-n{n}.npy"));
        ladder_blobs::io::write_points_npy(&path, points)?;
        self.files.push(LineFile {
            points: Some(path),
            n,
            d,
            k,
        });
        Ok(())
    }

    /// Runs the peers on the line's kept points; their cells, and the peers absent and
    /// why. The files are removed afterwards.
    pub fn run_line(&mut self, study: &Study) -> Result<(Vec<Cell>, Vec<AbsentRow>)> {
        if self.files.is_empty() {
            return Ok((Vec::new(), Vec::new()));
        }
        let dir = self.dir();
        let (cells, out) = (dir.join("cells.json"), dir.join("out.json"));
        std::fs::write(&cells, serde_json::to_string(&self.files)?)
            .with_context(|| cells.display().to_string())?;
        let mut command = Command::new(&self.environment.python);
        command
            .arg(self.settings.workspace.join("scripts/python_scaling.py"))
            .arg("--cells")
            .arg(&cells)
            .arg("--out")
            .arg(&out)
            .args(["--passes", &study.passes.to_string()])
            .args(["--budget", &study.budget.as_secs_f64().to_string()])
            .args(["--fits", &study.fits.to_string()])
            .args(["--threads", &self.settings.threads.to_string()]);
        let result = run_bounded(
            command,
            "scripts/python_scaling.py",
            self.settings.run_timeout,
        );
        for f in self.files.drain(..) {
            if let Some(path) = f.points {
                let _ = std::fs::remove_file(path);
            }
        }
        result?;
        let text = std::fs::read_to_string(&out).with_context(|| out.display().to_string())?;
        let output: Output =
            serde_json::from_str(&text).with_context(|| out.display().to_string())?;
        Ok((output.cells, output.absent))
    }
}
