//! The Python ladder's environment, made the way asv makes its own: a virtual
//! environment under `target/`, installed from a pinned requirements file on first use,
//! reused while that file is unchanged, the install bounded in time and logged.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use thiserror::Error;

/// Why there is no environment to run the Python ladder in.
#[derive(Debug, Error)]
pub enum EnvError {
    /// The base interpreter is missing or cannot make a virtual environment.
    #[error(
        "`{python} -m venv` failed ({why}); install python3 with its venv module, or set LADDER_PYTHON=off"
    )]
    Venv {
        /// The base interpreter.
        python: String,
        /// What went wrong.
        why: String,
    },
    /// The requirements file cannot be read.
    #[error("{path}: {source}")]
    Requirements {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// A virtual environment and what its install said.
#[derive(Debug, Clone)]
pub struct Environment {
    /// Its interpreter.
    pub python: PathBuf,
    /// "reused", "installed in 41 s", or why the install did not complete (the
    /// environment may still hold some of the packages).
    pub install: Install,
}

/// How the environment's packages came to be.
#[derive(Debug, Clone, PartialEq)]
pub enum Install {
    /// Installed in an earlier run from the same requirements.
    Reused,
    /// Installed now, taking this long.
    Installed(Duration),
    /// The install failed or ran out of time: why (the log has the rest).
    Incomplete(String),
}

/// Where the environment lives and how to make it.
#[derive(Debug, Clone)]
pub struct EnvSpec {
    /// The base interpreter (`python3`).
    pub base: String,
    /// The environment's directory.
    pub dir: PathBuf,
    /// The pinned requirements.
    pub requirements: PathBuf,
    /// The install's time bound.
    pub timeout: Duration,
}

/// The file in the environment that records the requirements it was installed from.
const STAMP: &str = "ladder-requirements.txt";

impl EnvSpec {
    /// The environment, made or reused.
    pub fn prepare(&self) -> Result<Environment, EnvError> {
        let wanted = std::fs::read_to_string(&self.requirements).map_err(|source| {
            EnvError::Requirements {
                path: self.requirements.clone(),
                source,
            }
        })?;
        let python = self.dir.join("bin").join("python");
        let stamp = self.dir.join(STAMP);
        if python.exists() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(&wanted) {
            return Ok(Environment {
                python,
                install: Install::Reused,
            });
        }
        if !python.exists() {
            self.make_venv()?;
        }
        let started = Instant::now();
        let log = self.dir.join("install.log");
        let install = match self.pip_install(&python, &log) {
            Ok(()) => {
                // A stamp that cannot be written only means the next run installs again.
                let _ = std::fs::write(&stamp, &wanted);
                Install::Installed(started.elapsed())
            }
            Err(why) => Install::Incomplete(format!("{why} (see {})", log.display())),
        };
        Ok(Environment { python, install })
    }

    fn make_venv(&self) -> Result<(), EnvError> {
        let failed = |why: String| EnvError::Venv {
            python: self.base.clone(),
            why,
        };
        let out = Command::new(&self.base)
            .args(["-m", "venv"])
            .arg(&self.dir)
            .output()
            .map_err(|e| failed(e.to_string()))?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            return Err(failed(last_line(&stderr)));
        }
        Ok(())
    }

    /// `pip install -r requirements` into the environment, its output in `log`, within
    /// the time bound.
    fn pip_install(&self, python: &Path, log: &Path) -> Result<(), String> {
        eprintln!(
            "python ladder: installing {} into {} (once; at most {} s; log {})",
            self.requirements.display(),
            self.dir.display(),
            self.timeout.as_secs(),
            log.display()
        );
        let file = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
        let err = file.try_clone().map_err(|e| e.to_string())?;
        let mut child = Command::new(python)
            .args(["-m", "pip", "install", "--disable-pip-version-check"])
            .args(["--no-input", "--progress-bar", "off", "-r"])
            .arg(&self.requirements)
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("pip did not start: {e}"))?;
        match super::wait_bounded(&mut child, self.timeout) {
            Some(status) if status.success() => Ok(()),
            Some(status) => {
                let text = std::fs::read_to_string(log).unwrap_or_default();
                Err(format!(
                    "pip install failed ({status}): {}",
                    last_line(&text)
                ))
            }
            None => Err(format!(
                "pip install did not finish within {} s (offline?)",
                self.timeout.as_secs()
            )),
        }
    }
}

/// The last non-empty line of `text`, for a one-line reason.
pub(super) fn last_line(text: &str) -> String {
    let line = text.lines().rev().find(|l| !l.trim().is_empty());
    line.unwrap_or("no output").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_interpreter_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let requirements = dir.path().join("requirements.txt");
        std::fs::write(&requirements, "numpy\n").unwrap();
        let spec = EnvSpec {
            base: "no-such-python-3".into(),
            dir: dir.path().join("venv"),
            requirements,
            timeout: Duration::from_secs(1),
        };
        let err = spec.prepare().unwrap_err().to_string();
        assert!(err.contains("no-such-python-3 -m venv"), "{err}");
        assert!(err.contains("LADDER_PYTHON=off"), "{err}");
    }

    #[test]
    fn an_unchanged_environment_is_reused_without_pip() {
        let dir = tempfile::tempdir().unwrap();
        let requirements = dir.path().join("requirements.txt");
        std::fs::write(&requirements, "numpy==1\n").unwrap();
        let venv = dir.path().join("venv");
        std::fs::create_dir_all(venv.join("bin")).unwrap();
        std::fs::write(venv.join("bin/python"), "").unwrap();
        std::fs::write(venv.join(STAMP), "numpy==1\n").unwrap();
        let spec = EnvSpec {
            base: "no-such-python-3".into(),
            dir: venv,
            requirements,
            timeout: Duration::from_secs(1),
        };
        assert_eq!(spec.prepare().unwrap().install, Install::Reused);
    }
}
