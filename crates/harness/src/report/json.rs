//! `results.json`: the whole [`Report`], versioned by `schema_version`.

use anyhow::Result;

use super::{Artifact, Exporter, Report};

/// `results.json`.
pub struct Json;

impl Exporter for Json {
    fn render(&self, report: &Report) -> Result<Vec<Artifact>> {
        let text = serde_json::to_string_pretty(report)? + "\n";
        Ok(vec![Artifact::text("results.json", text)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::sample_report;

    #[test]
    fn round_trips() {
        let report = sample_report();
        let files = Json.render(&report).unwrap();
        let text = String::from_utf8(files[0].bytes.clone()).unwrap();
        let back: Report = serde_json::from_str(&text).unwrap();
        assert_eq!(back, report);
        assert!(text.contains("\"schema_version\": 2"));
        for field in [
            "\"language\": \"python\"",
            "\"peak_bytes\": 4096",
            "\"line_profile\"",
            "\"status\": \"absent\"",
        ] {
            assert!(text.contains(field), "{field}");
        }
    }
}
