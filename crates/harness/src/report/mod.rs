//! The speedup report: first the data ([`Report`], one plain serde struct, every figure
//! measured in the run that made it), then the exporters that render it — markdown,
//! JSON, charts, HTML — each small and behind one trait, [`Exporter`].
//!
//! Relative figures (speedups, the assignment share, the spread warning) are computed
//! here, once, from the measurements; exporters only render.

mod charts;
pub mod criterion;
mod html;
mod json;
mod ladders;
mod machine;
mod markdown;
mod sections;

use std::io::Write;
use std::path::{Path, PathBuf};

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::grid::GridSection;
use crate::history::RunRecord;
use crate::line_profile::LineShare;

pub use charts::{GridChart, HistoryChart, SkipChart, SpeedupChart, SplitChart, TimeChart};
pub(crate) use charts::{dotted_line, legend};
pub(crate) use html::machine_html;
pub use html::{Html, esc};
pub use json::Json;
pub use ladders::{AbsentRow, Language, PythonSection, SeedFigure};
pub use machine::Machine;
pub use markdown::Markdown;

/// Bumped whenever a field of [`Report`] changes meaning or disappears.
pub const SCHEMA_VERSION: u32 = 2;

/// A spread (confidence interval width over the median) above this is flagged.
pub const WIDE_SPREAD: f64 = 0.10;

/// Is a row one of our rungs, or an existing implementation measured for comparison?
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RowKind {
    /// One of the ladder's rungs.
    Rung,
    /// An existing implementation, measured for comparison.
    Existing,
}

/// How long one whole fit took: a median with its 95 % confidence interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// The median whole fit.
    pub median_seconds: f64,
    /// The interval's low end.
    pub ci_low_seconds: f64,
    /// The interval's high end.
    pub ci_high_seconds: f64,
    /// Samples the estimate rests on.
    pub samples: usize,
    /// Where the figure comes from, e.g. "criterion (bootstrap 95 % CI of the median)".
    pub source: String,
}

/// The distances a fit computed: its work, which does not depend on the machine or its
/// noise, beside the times, which do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Work {
    /// Point-to-center distances computed, all passes together.
    pub distance_evaluations: u64,
    /// Brute force's `n·k` per pass, all passes together.
    pub all_pairs: u64,
    /// Per pass, the share of brute force's `n·k` not computed, where the stage says.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped_per_pass: Vec<f64>,
}

impl Work {
    /// The share of brute force's distances computed.
    pub fn share(&self) -> f64 {
        self.distance_evaluations as f64 / (self.all_pairs as f64).max(1.0)
    }
}

/// What one stage measured in a run: the input of [`Report::new`].
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// The stage's (or implementation's) name.
    pub name: String,
    /// What it is.
    pub summary: String,
    /// A rung or an existing implementation.
    pub kind: RowKind,
    /// The language its code is in.
    pub language: Language,
    /// Its whole-fit time.
    pub timing: Timing,
    /// Assignment passes; `None` when the implementation does not say.
    pub iterations: Option<usize>,
    /// Its labels, to compare with the reference's.
    pub labels: Vec<u32>,
    /// Median seconds per fit in assignment and in update; `None` when not split.
    pub split: Option<(f64, f64)>,
    /// The distances it computed; `None` when it cannot count them.
    pub work: Option<Work>,
    /// The flamegraph, relative to the report directory.
    pub flamegraph: Option<String>,
    /// The stage's own account of how it ran (its fit's `details`: the kernel, the
    /// method, what it skipped, threads); empty when it gives none.
    pub details: serde_json::Map<String, serde_json::Value>,
    /// The most heap a fit held beyond its input (see [`crate::memory`]; Python rows:
    /// `tracemalloc`'s peak); `None` when not measured.
    pub peak_bytes: Option<u64>,
    /// The busiest source lines of its profile, the seed's `%lprun`.
    pub line_profile: Vec<LineShare>,
    /// The packages it ran with (Python rows).
    pub versions: BTreeMap<String, String>,
    /// The seed document's figure for this rung, from the authors' machine.
    pub seed_figure: Option<SeedFigure>,
}

/// One row of the speedup table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// The stage's (or implementation's) name.
    pub name: String,
    /// What it is.
    pub summary: String,
    /// A rung or an existing implementation.
    pub kind: RowKind,
    /// The language its code is in.
    pub language: Language,
    /// Its whole-fit time.
    pub timing: Timing,
    /// Naive's median over this row's.
    pub speedup_vs_naive: f64,
    /// Pure Python's median over this row's (the seed's base; `None` when pure Python
    /// was not measured in this run).
    pub speedup_vs_python: Option<f64>,
    /// The previous row's median over this row's, within the row's language (`None` for
    /// the first row of each).
    pub speedup_vs_previous: Option<f64>,
    /// Assignment passes; `None` when the implementation does not say.
    pub iterations: Option<usize>,
    /// Same labels as `naive` for every point.
    pub labels_match: bool,
    /// Points whose label differs from `naive`'s.
    pub labels_differing: usize,
    /// Same iterations as `naive` (`None` when not known).
    pub iterations_match: Option<bool>,
    /// Median seconds per fit in the assignment.
    pub assign_seconds: Option<f64>,
    /// Median seconds per fit in the update.
    pub update_seconds: Option<f64>,
    /// Assignment's share of assignment + update.
    pub assign_share: Option<f64>,
    /// The CI is wider than [`WIDE_SPREAD`] of the median.
    pub wide_spread: bool,
    /// The distances it computed (see [`Measurement::work`]).
    #[serde(default)]
    pub work: Option<Work>,
    /// The flamegraph, relative to the report directory.
    pub flamegraph: Option<String>,
    /// How the stage ran, in its own words (see [`Measurement::details`]).
    #[serde(default)]
    pub details: serde_json::Map<String, serde_json::Value>,
    /// See [`Measurement::peak_bytes`].
    pub peak_bytes: Option<u64>,
    /// See [`Measurement::line_profile`].
    pub line_profile: Vec<LineShare>,
    /// See [`Measurement::versions`].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub versions: BTreeMap<String, String>,
    /// See [`Measurement::seed_figure`].
    pub seed_figure: Option<SeedFigure>,
}

impl Row {
    /// [`Row::details`] as one line: `key: value; …`.
    pub fn how(&self) -> String {
        self.details
            .iter()
            .map(|(k, v)| format!("{k}: {}", brief(v)))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// A fact as a line of text: a string as it is, a long list (a value per pass, say) as
/// its length and its ends — the whole of it is in the JSON.
pub fn brief(value: &serde_json::Value) -> String {
    /// Lists longer than this are shortened.
    const LONG: usize = 6;
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) if items.len() > LONG => format!(
            "{} entries, first {}, last {} (all in the JSON)",
            items.len(),
            items[0],
            items[items.len() - 1]
        ),
        other => other.to_string(),
    }
}

/// The workload every row was measured on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkloadInfo {
    /// What the data is and how it was fitted.
    pub description: String,
    /// Points.
    pub n: usize,
    /// Features per point.
    pub d: usize,
    /// Clusters.
    pub k: usize,
    /// The init's name.
    pub init: String,
}

/// Everything a report shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// [`SCHEMA_VERSION`] when written.
    pub schema_version: u32,
    /// Where it was measured.
    pub machine: Machine,
    /// On what.
    pub workload: WorkloadInfo,
    /// "full" or "quick" (few samples).
    pub mode: String,
    /// The table: the Rust ladder, then the Python ladder, each in ladder order.
    pub rows: Vec<Row>,
    /// What became of the Python ladder in this run.
    pub python: PythonSection,
    /// Where criterion's own report is, relative to the report directory, if any.
    pub criterion_report: Option<String>,
    /// The scaling grid (`cargo bench --bench grid`), when it has run.
    #[serde(default)]
    pub grid: Option<GridSection>,
    /// The runs recorded so far (`history.jsonl`, this one last), for the page's history
    /// chart; not part of `results.json`, which is one run.
    #[serde(skip)]
    pub history: Vec<RunRecord>,
    /// Whether the scaling study's page is beside this report (`cargo bench --bench
    /// scaling` has run), for a link to it.
    #[serde(skip)]
    pub scaling_study: bool,
}

impl Report {
    /// Builds the table from measurements in ladder order (the Python rows after the
    /// Rust ones); the first must be `naive`, the reference every other row is compared
    /// with, and the first Python rung, if any, is pure Python, the seed's base.
    pub fn new(
        (machine, workload, mode): (Machine, WorkloadInfo, &str),
        measurements: Vec<Measurement>,
        python: PythonSection,
        criterion_report: Option<String>,
    ) -> Result<Self> {
        let reference = measurements
            .first()
            .filter(|m| m.name == "naive")
            .context("the first measurement must be the naive reference")?
            .clone();
        let python_base = measurements
            .iter()
            .find(|m| m.language == Language::Python && m.kind == RowKind::Rung)
            .map(|m| m.timing.median_seconds);
        let mut rows: Vec<Row> = Vec::with_capacity(measurements.len());
        for m in measurements {
            let median = m.timing.median_seconds;
            let labels_differing = crate::check::labels_differing(&m.labels, &reference.labels);
            let spread = (m.timing.ci_high_seconds - m.timing.ci_low_seconds) / median;
            let previous = rows.iter().rev().find(|p| p.language == m.language);
            rows.push(Row {
                speedup_vs_naive: reference.timing.median_seconds / median,
                speedup_vs_python: python_base.map(|base| base / median),
                speedup_vs_previous: previous.map(|p| p.timing.median_seconds / median),
                labels_match: labels_differing == 0,
                labels_differing,
                iterations_match: m.iterations.zip(reference.iterations).map(|(a, b)| a == b),
                iterations: m.iterations,
                assign_seconds: m.split.map(|s| s.0),
                update_seconds: m.split.map(|s| s.1),
                assign_share: m.split.map(|(a, u)| a / (a + u)),
                wide_spread: spread > WIDE_SPREAD,
                work: m.work,
                name: m.name,
                summary: m.summary,
                kind: m.kind,
                language: m.language,
                timing: m.timing,
                flamegraph: m.flamegraph,
                details: m.details,
                peak_bytes: m.peak_bytes,
                line_profile: m.line_profile,
                versions: m.versions,
                seed_figure: m.seed_figure,
            });
        }
        Ok(Self {
            schema_version: SCHEMA_VERSION,
            machine,
            workload,
            mode: mode.to_string(),
            rows,
            python,
            criterion_report,
            grid: None,
            history: Vec::new(),
            scaling_study: false,
        })
    }

    /// Fills in what lies beside the report in `dir` and is not part of one run: the
    /// scaling grid's last run, the history of runs, whether the scaling study's page is
    /// there.
    pub fn with_surroundings(mut self, dir: &Path) -> Result<Self> {
        self.grid = GridSection::read(dir)?;
        self.history = crate::history::read(dir);
        self.scaling_study = dir.join("scaling.html").exists();
        Ok(self)
    }

    /// The fastest Rust rung (not an existing implementation) whose work matches naive's.
    pub fn fastest_rung(&self) -> Option<&Row> {
        self.rows
            .iter()
            .filter(|r| r.kind == RowKind::Rung && r.language == Language::Rust)
            .filter(|r| r.labels_match)
            .min_by(|a, b| a.timing.median_seconds.total_cmp(&b.timing.median_seconds))
    }
}

/// One file of a report: its name, relative to the report directory, and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// Where the file goes, relative to the report directory.
    pub name: String,
    /// What it holds.
    pub bytes: Vec<u8>,
}

impl Artifact {
    /// A file named `name` holding `text`.
    pub fn text(name: &str, text: String) -> Self {
        Self {
            name: name.to_string(),
            bytes: text.into_bytes(),
        }
    }
}

/// One output format: it renders the report into files, which [`write_all`] writes.
pub trait Exporter {
    /// The files of this format.
    fn render(&self, report: &Report) -> Result<Vec<Artifact>>;
}

/// Every exporter, the HTML page last (it shows the others' files).
pub fn exporters() -> Vec<Box<dyn Exporter>> {
    vec![
        Box::new(Markdown),
        Box::new(Json),
        Box::new(TimeChart),
        Box::new(SpeedupChart),
        Box::new(SplitChart),
        Box::new(SkipChart),
        Box::new(GridChart),
        Box::new(HistoryChart),
        Box::new(Html),
    ]
}

/// Every file of the report, rendered by every exporter.
pub fn render_all(report: &Report) -> Result<Vec<Artifact>> {
    let mut files = Vec::new();
    for exporter in exporters() {
        files.extend(exporter.render(report)?);
    }
    Ok(files)
}

/// Redraws the report in `dir` from its `results.json` with what now lies beside it (a
/// new grid, history, scaling study); nothing if there is no report of this schema yet
/// (the next `cargo bench` draws it). Returns the files written.
pub fn redraw(dir: &Path) -> Result<Vec<PathBuf>> {
    let results = dir.join("results.json");
    let Ok(text) = std::fs::read_to_string(&results) else {
        return Ok(Vec::new());
    };
    match serde_json::from_str::<Report>(&text) {
        Ok(report) if report.schema_version == SCHEMA_VERSION => {
            write_all(&report.with_surroundings(dir)?, dir)
        }
        _ => {
            eprintln!("{}: another schema; not redrawn", results.display());
            Ok(Vec::new())
        }
    }
}

/// Writes the whole report into `dir`, every file whole or not at all.
pub fn write_all(report: &Report, dir: &Path) -> Result<Vec<PathBuf>> {
    render_all(report)?
        .iter()
        .map(|artifact| write_artifact(dir, artifact))
        .collect()
}

/// Writes one file under `dir`: into a temporary file beside it, then renamed into
/// place, so that a reader never sees half a file.
pub fn write_artifact(dir: &Path, artifact: &Artifact) -> Result<PathBuf> {
    let path = dir.join(&artifact.name);
    let parent = path.parent().unwrap_or(dir);
    std::fs::create_dir_all(parent).with_context(|| parent.display().to_string())?;
    let mut file = tempfile::NamedTempFile::new_in(parent)
        .with_context(|| format!("creating a file in {}", parent.display()))?;
    file.write_all(&artifact.bytes)
        .with_context(|| path.display().to_string())?;
    file.persist(&path)
        .with_context(|| path.display().to_string())?;
    Ok(path)
}

/// Seconds in a readable unit (shared by the exporters).
pub fn fmt_seconds(s: f64) -> String {
    crate::run::seconds(s)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn measurement(name: &str, median: f64, labels: Vec<u32>) -> Measurement {
        Measurement {
            name: name.into(),
            summary: format!("{name} summary"),
            kind: RowKind::Rung,
            timing: Timing {
                median_seconds: median,
                ci_low_seconds: median * 0.99,
                ci_high_seconds: median * 1.01,
                samples: 10,
                source: "test".into(),
            },
            iterations: Some(3),
            labels,
            split: Some((median * 0.75, median * 0.25)),
            work: Some(Work {
                distance_evaluations: 12,
                all_pairs: 18,
                skipped_per_pass: vec![0.0, 0.5, 0.5],
            }),
            flamegraph: None,
            details: serde_json::Map::new(),
            language: Language::Rust,
            peak_bytes: Some(4096),
            line_profile: Vec::new(),
            versions: BTreeMap::new(),
            seed_figure: None,
        }
    }

    pub fn sample_report() -> Report {
        let mut slow_existing = measurement("linfa", 0.002, vec![0, 1, 1]);
        slow_existing.kind = RowKind::Existing;
        slow_existing.iterations = None;
        slow_existing.work = None;
        slow_existing.timing.ci_high_seconds = 0.003;
        let mut pure = measurement("pure Python", 1.0, vec![0, 1, 1]);
        pure.language = Language::Python;
        pure.seed_figure = Some(SeedFigure {
            seconds: 2.76,
            note: "whole fit".into(),
        });
        let mut numpy = measurement("NumPy", 0.05, vec![0, 1, 1]);
        numpy.language = Language::Python;
        let workload = WorkloadInfo {
            description: "test".into(),
            n: 3,
            d: 1,
            k: 2,
            init: "last-k".into(),
        };
        Report::new(
            (Machine::unknown(), workload, "quick"),
            vec![
                measurement("naive", 0.010, vec![0, 1, 1]),
                measurement("fast", 0.001, vec![0, 1, 0]),
                slow_existing,
                pure,
                numpy,
            ],
            PythonSection::Absent { why: "test".into() },
            None,
        )
        .unwrap()
    }

    #[test]
    fn relative_figures_are_computed_once_from_the_measurements() {
        let r = sample_report();
        assert_eq!(r.rows[0].speedup_vs_naive, 1.0);
        assert_eq!(r.rows[0].speedup_vs_previous, None);
        assert!((r.rows[1].speedup_vs_naive - 10.0).abs() < 1e-12);
        assert!((r.rows[2].speedup_vs_previous.unwrap() - 0.5).abs() < 1e-12);
        assert!(!r.rows[1].labels_match);
        // The Python ladder: its own "previous", and pure Python as the base.
        assert_eq!(r.rows[3].speedup_vs_previous, None);
        assert!((r.rows[4].speedup_vs_previous.unwrap() - 20.0).abs() < 1e-9);
        assert!((r.rows[1].speedup_vs_python.unwrap() - 1000.0).abs() < 1e-9);
        assert_eq!(r.rows[1].labels_differing, 1);
        assert!(r.rows[2].labels_match);
        assert_eq!(r.rows[2].iterations_match, None);
        assert!(r.rows[2].wide_spread);
        assert!(!r.rows[0].wide_spread);
        assert_eq!(r.rows[0].assign_share, Some(0.75));
        // "fast" does different work, so the fastest rung that matches is naive.
        assert_eq!(r.fastest_rung().unwrap().name, "naive");
    }

    #[test]
    fn a_redraw_picks_up_what_lies_beside_the_report() {
        let dir = tempfile::tempdir().unwrap();
        assert!(
            redraw(dir.path()).unwrap().is_empty(),
            "no report yet: nothing drawn"
        );
        write_all(&sample_report(), dir.path()).unwrap();
        let page = || std::fs::read_to_string(dir.path().join("index.html")).unwrap();
        assert!(!page().contains("id=\"scaling\""));
        std::fs::write(dir.path().join("scaling.html"), "<html></html>").unwrap();
        crate::history::RunRecord::of(&sample_report())
            .append(dir.path())
            .unwrap();
        redraw(dir.path()).unwrap();
        assert!(
            page().contains("href=\"scaling.html\""),
            "the study is linked"
        );
        assert!(
            page().contains("src=\"history.svg\""),
            "the history is charted"
        );
        assert!(dir.path().join("history.svg").exists());
    }

    #[test]
    fn the_reference_must_come_first() {
        let err = Report::new(
            (Machine::unknown(), sample_report().workload, "quick"),
            vec![measurement("fast", 1.0, vec![])],
            PythonSection::Absent { why: "test".into() },
            None,
        );
        assert!(err.is_err());
    }
}
