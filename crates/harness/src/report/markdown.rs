//! `speedup.md`: the seed's speedup table, with where each figure came from.

use std::fmt::Write;

use anyhow::Result;

use super::sections;
use super::{Artifact, Exporter, Language, Report, Row, RowKind, WIDE_SPREAD, fmt_seconds};
use crate::table::{Align, Table};

/// `speedup.md`.
pub struct Markdown;

impl Markdown {
    /// The table alone, as `cargo bench` prints it.
    pub fn table(report: &Report) -> String {
        table(report).to_markdown()
    }
}

/// The speedup table: a row per stage, the cells as text (the HTML page shows the same).
pub(super) fn table(report: &Report) -> Table {
    let mut table = Table::new(&[
        ("stage", Align::Left),
        ("language", Align::Left),
        ("median (95 % CI)", Align::Right),
        ("vs pure Python", Align::Right),
        ("vs naive", Align::Right),
        ("vs previous", Align::Right),
        ("iterations", Align::Right),
        ("labels match naive", Align::Center),
        ("assign / update", Align::Right),
        ("distances computed", Align::Right),
        ("peak heap", Align::Right),
        ("seed document (authors' machine)", Align::Right),
    ]);
    for r in &report.rows {
        table.push(cells(r));
    }
    table
}

/// One row's cells.
fn cells(r: &Row) -> Vec<String> {
    let t = &r.timing;
    let spread = if r.wide_spread { " ⚠ wide" } else { "" };
    vec![
        match r.kind {
            RowKind::Rung => r.name.clone(),
            RowKind::Existing => format!("{} (existing)", r.name),
        },
        r.language.name().to_string(),
        format!(
            "{} ({} – {}){spread}",
            fmt_seconds(t.median_seconds),
            fmt_seconds(t.ci_low_seconds),
            fmt_seconds(t.ci_high_seconds)
        ),
        r.speedup_vs_python
            .map_or("—".to_string(), |x| format!("{}×", ratio(x))),
        format!("{}×", ratio(r.speedup_vs_naive)),
        r.speedup_vs_previous
            .map_or("—".to_string(), |x| format!("{}×", ratio(x))),
        match (r.iterations, r.iterations_match) {
            (Some(i), Some(false)) => format!("{i} (naive differs)"),
            (Some(i), _) => i.to_string(),
            (None, _) => "n/a".into(),
        },
        if r.labels_match {
            "yes".to_string()
        } else {
            format!("NO ({} differ)", r.labels_differing)
        },
        match r.assign_share {
            Some(share) => format!("{:.0} % / {:.0} %", 100.0 * share, 100.0 * (1.0 - share)),
            None => "n/a".into(),
        },
        match &r.work {
            Some(w) => format!(
                "{} ({:.1} % of brute force)",
                count(w.distance_evaluations),
                100.0 * w.share()
            ),
            None => "n/a".into(),
        },
        r.peak_bytes.map_or("n/a".into(), sections::bytes),
        match &r.seed_figure {
            Some(f) if f.note.starts_with("whole fit") => fmt_seconds(f.seconds),
            Some(f) => format!("{} ({})", fmt_seconds(f.seconds), f.note),
            None => "—".into(),
        },
    ]
}

/// A speedup with as many digits as it needs: `0.0085`, `0.42`, `3.4`, `1234`.
fn ratio(x: f64) -> String {
    match x {
        x if x >= 100.0 => format!("{x:.0}"),
        x if x >= 1.0 => format!("{x:.1}"),
        x if x >= 0.01 => format!("{x:.2}"),
        x => format!("{x:.4}"),
    }
}

/// A count in a readable unit: `2.70 M`.
fn count(c: u64) -> String {
    match c as f64 {
        x if x >= 1e9 => format!("{:.2} G", x / 1e9),
        x if x >= 1e6 => format!("{:.2} M", x / 1e6),
        x if x >= 1e4 => format!("{:.1} k", x / 1e3),
        x => format!("{x}"),
    }
}

impl Exporter for Markdown {
    fn render(&self, report: &Report) -> Result<Vec<Artifact>> {
        let w = &report.workload;
        let mut s = format!(
            "# kmeans-ladder: the speedup table\n\n\
             Workload: {} ({} points × {} features, k = {}, init {}).\n\n\
             Machine: {}.\n\nMode: {}.\n\n",
            w.description,
            w.n,
            w.d,
            w.k,
            w.init,
            report.machine.describe(),
            report.mode
        );
        s += &Markdown::table(report);
        s += "\nEach time is one whole fit: the median of the run's samples with its 95 % \
              confidence interval";
        if let Some(source) = report.rows.first().map(|r| &r.timing.source) {
            let _ = write!(s, " ({source})");
        }
        let _ = writeln!(
            s,
            ". ⚠ marks an interval wider than {:.0} % of the median: \
             the machine was noisy, compare with care.",
            100.0 * WIDE_SPREAD
        );
        s += "\"labels match naive\" compares every point's label with the `naive` reference \
              before timing; a stage that disagrees is marked, not hidden. \
              \"assign / update\" is the share of a fit spent in each step \
              (the seed's line profile). \"distances computed\" is the fit's work, \
              point-to-center distances over all its passes, beside brute force's n·k \
              a pass: it does not depend on the machine, so it does not drift with the \
              times (n/a: the stage cannot count them).\n";
        let _ = writeln!(
            s,
            "\n{} {}",
            report.python.describe(),
            sections::MEMORY_NOTE
        );
        for r in report.rows.iter().filter(|r| r.kind == RowKind::Existing) {
            let _ = write!(s, "\n*{}*: {}\n", r.name, r.summary);
        }
        let python = report
            .rows
            .iter()
            .filter(|r| r.language == Language::Python);
        for r in python.filter(|r| r.kind == RowKind::Rung) {
            let _ = write!(s, "\n*{}* (Python): {}\n", r.name, r.summary);
        }
        s += "\nHow each rung ran, in its own words:\n\n";
        for r in report.rows.iter().filter(|r| !r.details.is_empty()) {
            let _ = writeln!(s, "- **{}**: {}", r.name, r.how());
        }
        line_profiles(&mut s, report);
        if let Some(grid) = &report.grid {
            let _ = write!(
                s,
                "\n## The scaling grid\n\n{} ({} threads, medians of {} interleaved fits):\n\n{}",
                grid.measured_on,
                grid.threads,
                grid.fits,
                crate::grid::table(&grid.rows).to_markdown()
            );
        }
        Ok(vec![Artifact::text("speedup.md", s)])
    }
}

/// A line profile per row that has one: the seed's `%lprun`, for Rust and for Python.
fn line_profiles(s: &mut String, report: &Report) {
    let rows: Vec<&Row> = report
        .rows
        .iter()
        .filter(|r| !r.line_profile.is_empty())
        .collect();
    if rows.is_empty() {
        return;
    }
    let _ = write!(s, "\n## Line profiles\n\n{}\n", sections::LINE_PROFILE_NOTE);
    for r in rows {
        let _ = write!(
            s,
            "\n### {} ({})\n\n{}",
            r.name,
            r.language.name(),
            sections::line_table(r, true).to_markdown()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::sample_report;

    #[test]
    fn marks_mismatches_spread_and_existing_rows() {
        let table = Markdown::table(&sample_report());
        assert!(table.contains("| naive | Rust | 10.000 ms"), "{table}");
        assert!(
            table.contains("| pure Python | Python | 1.000 s"),
            "{table}"
        );
        assert!(table.contains("| 2.760 s |"), "the seed's figure: {table}");
        assert!(table.contains("| 4.0 KiB |"), "the peak heap: {table}");
        assert!(table.contains("NO (1 differ)"), "{table}");
        assert!(table.contains("linfa (existing)"), "{table}");
        assert!(table.contains("⚠ wide"), "{table}");
        assert!(table.contains("75 % / 25 %"), "{table}");
        assert!(table.contains("10.0×"), "{table}");
        assert!(
            table.contains("| 1000× |"),
            "fast over pure Python: {table}"
        );
        assert!(table.contains("12 (66.7 % of brute force)"), "{table}");
    }
}
