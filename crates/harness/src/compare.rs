//! Two runs of the report side by side (`ladder compare OLD.json NEW.json`): each row's
//! change in median time with both intervals, a change whose intervals overlap marked not
//! significant, and a verdict — did some row slow down, significantly, by more than a
//! threshold? — that CI can gate on (the exit code).

use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::report::{Language, Report, SCHEMA_VERSION, Timing, fmt_seconds};
use crate::table::{Align, Table};

/// One row in both runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The row's name.
    pub name: String,
    /// Its language.
    pub language: Language,
    /// Its time in the old run.
    pub old: Timing,
    /// Its time in the new run.
    pub new: Timing,
}

/// What a change amounts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The intervals overlap: within noise.
    NotSignificant,
    /// Significantly faster.
    Faster,
    /// Significantly slower, but by no more than the threshold.
    Slower,
    /// Significantly slower, by more than the threshold.
    Regressed,
}

impl Change {
    /// New median over old: above 1 is slower.
    pub fn ratio(&self) -> f64 {
        self.new.median_seconds / self.old.median_seconds
    }

    /// The change judged against `threshold` (0.10: a tenth slower).
    pub fn verdict(&self, threshold: f64) -> Verdict {
        let (old, new) = (&self.old, &self.new);
        let overlap =
            new.ci_low_seconds <= old.ci_high_seconds && old.ci_low_seconds <= new.ci_high_seconds;
        match (overlap, self.ratio()) {
            (true, _) => Verdict::NotSignificant,
            (false, r) if r < 1.0 => Verdict::Faster,
            (false, r) if r > 1.0 + threshold => Verdict::Regressed,
            (false, _) => Verdict::Slower,
        }
    }
}

/// The rows of `new` that `old` has too (by name and language), in `new`'s order; and
/// the names found in only one of them.
pub fn changes(old: &Report, new: &Report) -> (Vec<Change>, Vec<String>) {
    let mut only = Vec::new();
    let mut found = Vec::new();
    for r in &new.rows {
        match old
            .rows
            .iter()
            .find(|o| o.name == r.name && o.language == r.language)
        {
            Some(o) => found.push(Change {
                name: r.name.clone(),
                language: r.language,
                old: o.timing.clone(),
                new: r.timing.clone(),
            }),
            None => only.push(format!("{} (new only)", r.name)),
        }
    }
    for o in &old.rows {
        if !new
            .rows
            .iter()
            .any(|r| r.name == o.name && r.language == o.language)
        {
            only.push(format!("{} (old only)", o.name));
        }
    }
    (found, only)
}

/// The changes as a table.
pub fn table(changes: &[Change], threshold: f64) -> Table {
    let mut table = Table::new(&[
        ("row", Align::Left),
        ("language", Align::Left),
        ("old (95 % CI)", Align::Right),
        ("new (95 % CI)", Align::Right),
        ("change", Align::Right),
        ("verdict", Align::Left),
    ]);
    let interval = |t: &Timing| {
        format!(
            "{} ({} – {})",
            fmt_seconds(t.median_seconds),
            fmt_seconds(t.ci_low_seconds),
            fmt_seconds(t.ci_high_seconds)
        )
    };
    for c in changes {
        table.push(vec![
            c.name.clone(),
            c.language.name().into(),
            interval(&c.old),
            interval(&c.new),
            format!("{:+.1} %", 100.0 * (c.ratio() - 1.0)),
            match c.verdict(threshold) {
                Verdict::NotSignificant => "not significant (intervals overlap)".into(),
                Verdict::Faster => "faster".into(),
                Verdict::Slower => format!("slower, within {:.0} %", 100.0 * threshold),
                Verdict::Regressed => format!("REGRESSED (beyond {:.0} %)", 100.0 * threshold),
            },
        ]);
    }
    table
}

/// A report read back from its `results.json`.
pub fn read_report(path: &Path) -> Result<Report> {
    let text = std::fs::read_to_string(path).with_context(|| path.display().to_string())?;
    let value: serde_json::Value = serde_json::from_str(&text).with_context(|| {
        format!(
            "{}: not JSON (a results.json from cargo bench?)",
            path.display()
        )
    })?;
    let version = value["schema_version"].as_u64();
    if version != Some(u64::from(SCHEMA_VERSION)) {
        bail!(
            "{}: schema_version {} where this ladder reads {SCHEMA_VERSION}; compare runs of the same version",
            path.display(),
            version.map_or("missing".into(), |v| v.to_string())
        );
    }
    serde_json::from_value(value)
        .with_context(|| format!("{}: not a ladder report", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::sample_report;

    fn slowed(report: &Report, name: &str, factor: f64) -> Report {
        let mut r = report.clone();
        let row = r.rows.iter_mut().find(|r| r.name == name).unwrap();
        for t in [
            &mut row.timing.median_seconds,
            &mut row.timing.ci_low_seconds,
            &mut row.timing.ci_high_seconds,
        ] {
            *t *= factor;
        }
        r
    }

    #[test]
    fn judges_each_change_by_its_intervals_and_the_threshold() {
        let old = sample_report();
        let new = slowed(&slowed(&old, "naive", 1.5), "fast", 1.05);
        let (changes, only) = changes(&old, &new);
        assert!(only.is_empty());
        let verdict = |name: &str| {
            let c = changes.iter().find(|c| c.name == name).unwrap();
            c.verdict(0.10)
        };
        assert_eq!(verdict("naive"), Verdict::Regressed);
        // 5 % slower with ±1 % intervals: significant, but within the threshold.
        assert_eq!(verdict("fast"), Verdict::Slower);
        assert_eq!(verdict("NumPy"), Verdict::NotSignificant);
        let faster = slowed(&old, "naive", 0.5);
        let (changes, _) = super::changes(&old, &faster);
        assert_eq!(changes[0].verdict(0.10), Verdict::Faster);
        let text = table(&changes, 0.10).to_markdown();
        assert!(
            text.contains("-50.0 %") && text.contains("faster"),
            "{text}"
        );
    }

    #[test]
    fn rows_in_one_run_only_are_named() {
        let old = sample_report();
        let mut new = old.clone();
        new.rows.remove(1);
        let (_, only) = changes(&old, &new);
        assert_eq!(only, vec!["fast (old only)".to_string()]);
    }
}
