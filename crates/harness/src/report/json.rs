//! `results.json`: the whole [`Report`], versioned by `schema_version`.

use std::path::{Path, PathBuf};

use anyhow::Result;

use super::{Exporter, Report};

pub struct Json;

impl Exporter for Json {
    fn export(&self, report: &Report, dir: &Path) -> Result<Vec<PathBuf>> {
        let path = dir.join("results.json");
        std::fs::write(&path, serde_json::to_string_pretty(report)? + "\n")?;
        Ok(vec![path])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::sample_report;

    #[test]
    fn round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let report = sample_report();
        Json.export(&report, dir.path()).unwrap();
        let text = std::fs::read_to_string(dir.path().join("results.json")).unwrap();
        let back: Report = serde_json::from_str(&text).unwrap();
        assert_eq!(back, report);
        assert!(text.contains("\"schema_version\": 1"));
    }
}
