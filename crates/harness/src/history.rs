//! The history of runs, as asv keeps one for Python projects: every `cargo bench`
//! appends a line to `reports/history.jsonl` — the commit, date, machine and mode, and
//! each row's median with its interval — and the report charts each rung over them.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::report::{Language, Report, RowKind};

/// The history's file in the report directory.
pub const HISTORY: &str = "history.jsonl";

/// One run of the ladder bench.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The commit measured (`+dirty` with uncommitted changes).
    pub commit: String,
    /// When (UTC, RFC 3339).
    pub date: String,
    /// The machine, in one line.
    pub machine: String,
    /// "full" or "quick (…)".
    pub mode: String,
    /// Every row's time.
    pub rows: Vec<RowRecord>,
}

/// One row's time in a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowRecord {
    /// The row's name.
    pub name: String,
    /// Its language.
    pub language: Language,
    /// A rung or an existing implementation.
    pub kind: RowKind,
    /// The median whole fit.
    pub median_seconds: f64,
    /// Its interval's low end.
    pub ci_low_seconds: f64,
    /// Its interval's high end.
    pub ci_high_seconds: f64,
}

impl RunRecord {
    /// The record of `report`'s run.
    pub fn of(report: &Report) -> Self {
        let m = &report.machine;
        Self {
            commit: m.commit.clone(),
            date: m.date.clone(),
            machine: format!("{}, {} threads", m.cpu, m.threads),
            mode: report.mode.clone(),
            rows: report
                .rows
                .iter()
                .map(|r| RowRecord {
                    name: r.name.clone(),
                    language: r.language,
                    kind: r.kind,
                    median_seconds: r.timing.median_seconds,
                    ci_low_seconds: r.timing.ci_low_seconds,
                    ci_high_seconds: r.timing.ci_high_seconds,
                })
                .collect(),
        }
    }

    /// Appends this record as one line of `dir/history.jsonl`.
    pub fn append(&self, dir: &Path) -> Result<()> {
        let path = dir.join(HISTORY);
        std::fs::create_dir_all(dir).with_context(|| dir.display().to_string())?;
        let mut line = serde_json::to_string(self)?;
        line.push('\n');
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| path.display().to_string())?;
        // One write of one line: an interrupted run leaves whole lines behind.
        file.write_all(line.as_bytes())
            .with_context(|| path.display().to_string())
    }
}

/// Every run recorded in `dir`, oldest first; a line that does not read (hand-edited,
/// another version) is skipped with a warning.
pub fn read(dir: &Path) -> Vec<RunRecord> {
    let path = dir.join(HISTORY);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Vec::new();
    };
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .filter_map(|(i, l)| match serde_json::from_str(l) {
            Ok(record) => Some(record),
            Err(e) => {
                eprintln!("{}:{}: skipped ({e})", path.display(), i + 1);
                None
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::sample_report;

    #[test]
    fn appends_one_line_per_run_and_reads_them_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let report = sample_report();
        let first = RunRecord::of(&report);
        first.append(dir.path()).unwrap();
        let mut second = first.clone();
        second.commit = "later".into();
        second.append(dir.path()).unwrap();
        // A broken line is skipped, not fatal.
        let path = dir.path().join(HISTORY);
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.insert_str(0, "{not json\n");
        std::fs::write(&path, text).unwrap();
        let runs = read(dir.path());
        assert_eq!(runs, vec![first, second]);
        assert_eq!(runs[0].rows.len(), report.rows.len());
        assert_eq!(
            runs[0].rows[0].median_seconds,
            report.rows[0].timing.median_seconds
        );
    }
}
