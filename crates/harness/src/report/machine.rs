//! The machine a report was measured on, read at run time.

use std::process::Command;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

/// The machine, toolchain and checkout a report was measured with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    /// The CPU's model name.
    pub cpu: String,
    /// Logical cores this process may use.
    pub logical_cores: usize,
    /// Threads of the rayon pool the stages ran in.
    pub threads: usize,
    /// Operating system and architecture.
    pub os: String,
    /// `rustc -V`.
    pub rustc: String,
    /// `git rev-parse --short HEAD`, with `+dirty` for uncommitted changes.
    pub commit: String,
    /// RFC 3339, UTC.
    pub date: String,
}

impl Machine {
    /// Reads this machine, the toolchain and the checkout.
    pub fn detect() -> Self {
        Self {
            cpu: cpu_model().unwrap_or_else(|| "unknown".into()),
            logical_cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
            threads: rayon::current_num_threads(),
            os: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
            rustc: output("rustc", &["-V"]).unwrap_or_else(|| "unknown".into()),
            commit: commit().unwrap_or_else(|| "unknown".into()),
            date: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        }
    }

    /// Placeholders, for tests.
    pub fn unknown() -> Self {
        Self {
            cpu: "unknown".into(),
            logical_cores: 0,
            threads: 0,
            os: "unknown".into(),
            rustc: "unknown".into(),
            commit: "unknown".into(),
            date: "unknown".into(),
        }
    }

    /// One line: "Intel Xeon, 2 logical cores, 2 threads, rustc 1.95.0, commit abc123, 2026-…".
    pub fn describe(&self) -> String {
        format!(
            "{}, {} logical cores, {} threads, {}, {}, commit {}, {}",
            self.cpu, self.logical_cores, self.threads, self.os, self.rustc, self.commit, self.date
        )
    }
}

fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
}

fn commit() -> Option<String> {
    let hash = output("git", &["rev-parse", "--short", "HEAD"])?;
    let dirty = output("git", &["status", "--porcelain", "--untracked-files=no"])
        .is_some_and(|s| !s.is_empty());
    Some(if dirty { hash + "+dirty" } else { hash })
}

fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}
