//! The seed's ladder, measured: every rung and any existing implementation on one
//! workload, from the same points and initial centers — the work checked equal first,
//! then timed by a [`Clock`] (criterion in `cargo bench`, the wall clock in tests), then
//! each rung profiled (flamegraph and line profile) and its heap measured in passes of
//! their own, then the seed's Python ladder on the same points ([`crate::python`]) —
//! into a [`Report`].

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Result;
use ladder_core::{FitParams, Matrix, Points, Stage};

use crate::history::RunRecord;
use crate::line_profile::LineShare;
use crate::python::{self, PythonSettings, Reference};
use crate::report::{
    self, Artifact, Language, Machine, Markdown, Measurement, Report, RowKind, Timing,
};
use crate::run::{self, Outcome};
use crate::workloads::Workload;
use crate::{memory, profile, stats};

/// An existing implementation measured beside the rungs: a fit of the same points from
/// the same initial centers, which returns its labels.
pub struct Existing<'a> {
    /// The row's name.
    pub name: String,
    /// What it is and how it was run.
    pub summary: String,
    /// One whole fit.
    pub fit: Box<dyn Fn() -> Vec<u32> + 'a>,
}

/// One thing a [`Clock`] times: a name and a whole fit.
pub struct Contender<'a> {
    /// The row's name.
    pub name: &'a str,
    /// One whole fit, its result kept from the optimiser.
    pub fit: Box<dyn Fn() + 'a>,
}

/// What times the contenders.
pub trait Clock {
    /// Each contender's whole-fit time, in order; `None` when this run measures nothing
    /// (criterion asked to list, test or profile instead).
    fn time(&mut self, contenders: &[Contender<'_>]) -> Result<Option<Vec<Timing>>>;
}

/// Times each contender over `repeat` fits after a warm-up: the median, with the fastest
/// and slowest as its interval.
pub struct WallClock {
    /// Timed fits per contender.
    pub repeat: usize,
}

impl Clock for WallClock {
    fn time(&mut self, contenders: &[Contender<'_>]) -> Result<Option<Vec<Timing>>> {
        let timings = contenders
            .iter()
            .map(|c| {
                (c.fit)();
                let samples: Vec<f64> = (0..self.repeat.max(1))
                    .map(|_| {
                        let t = std::time::Instant::now();
                        (c.fit)();
                        t.elapsed().as_secs_f64()
                    })
                    .collect();
                let sorted = stats::sorted(&samples);
                Timing {
                    median_seconds: stats::median(&samples),
                    ci_low_seconds: sorted[0],
                    ci_high_seconds: sorted[sorted.len() - 1],
                    samples: samples.len(),
                    source: format!("wall clock: {} fits, min–max", samples.len()),
                }
            })
            .collect();
        Ok(Some(timings))
    }
}

/// How a ladder run measures.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Fits per rung for the equal-work check and the assignment/update split.
    pub outcome_fits: usize,
    /// How long each rung is profiled for its flamegraph.
    pub profile_time: Duration,
    /// "full", "quick (…)", "test": said on the report.
    pub mode: String,
    /// Where criterion's own report is, relative to the report directory.
    pub criterion_report: Option<String>,
    /// The workspace, whose sources the line profiles name.
    pub source_root: PathBuf,
    /// How to run the Python ladder; `None`: it is off.
    pub python: Option<PythonSettings>,
}

/// Measures `stages` and `existing` on `points` (the `workload`'s), writing the
/// flamegraphs under `dir/flamegraphs/`; `None` when the clock measured nothing.
pub fn measure(
    workload: &Workload,
    points: &Matrix,
    stages: &[&dyn Stage],
    existing: Vec<Existing<'_>>,
    clock: &mut dyn Clock,
    dir: &Path,
    settings: &Settings,
) -> Result<Option<Report>> {
    let (view, params) = (points.view(), &workload.params());
    // 1. Equal work first: each stage against naive, before any timing.
    let outcomes = equal_work(stages, view, params, settings.outcome_fits)?;
    let existing_labels: Vec<Vec<u32>> = existing.iter().map(|e| (e.fit)()).collect();
    // 2. The timed samples.
    let Some(timings) = time(stages, &existing, view, params, clock)? else {
        return Ok(None);
    };
    let mut timings = timings.into_iter();
    // 3. Profiles and heap, in passes of their own.
    let mut measurements = Vec::new();
    for (&stage, o) in stages.iter().zip(outcomes) {
        let (flamegraph, line_profile) = profile_into(stage, view, params, settings, dir);
        let (_, peak_bytes) = memory::peak_during(|| black_box(stage.fit(view, params)));
        measurements.push(Measurement {
            name: stage.name().to_string(),
            summary: stage.summary().to_string(),
            kind: RowKind::Rung,
            language: Language::Rust,
            timing: timings.next().expect("a timing per contender"),
            iterations: Some(o.iterations),
            labels: o.labels,
            split: Some((o.assign_seconds, o.update_seconds)),
            work: o.work,
            flamegraph,
            details: o.details.to_json(),
            peak_bytes,
            line_profile,
            versions: Default::default(),
            seed_figure: None,
        });
    }
    for (e, labels) in existing.into_iter().zip(existing_labels) {
        let (_, peak_bytes) = memory::peak_during(|| black_box((e.fit)()));
        measurements.push(Measurement {
            name: e.name,
            summary: e.summary,
            kind: RowKind::Existing,
            language: Language::Rust,
            timing: timings.next().expect("a timing per contender"),
            iterations: None,
            labels,
            split: None,
            work: None,
            flamegraph: None,
            details: Default::default(),
            peak_bytes,
            line_profile: Vec::new(),
            versions: Default::default(),
            seed_figure: None,
        });
    }
    // 4. The Python ladder, on the same points from the same centers.
    let initial = params.check(view)?.initial_centers().to_vec();
    let reference = Reference {
        labels: &measurements[0].labels,
        iterations: measurements[0].iterations.unwrap_or(0),
    };
    let (python_rows, python) =
        python::measure(settings.python.as_ref(), points, &initial, reference);
    measurements.extend(python_rows);
    // 5. The report.
    let report = Report::new(
        (Machine::detect(), workload.info(), &settings.mode),
        measurements,
        python,
        settings.criterion_report.clone(),
    )?;
    Ok(Some(report))
}

/// Every stage's outcome over `fits` fits, and a warning for each that does not match
/// the first's (naive's) labels and iterations.
fn equal_work(
    stages: &[&dyn Stage],
    points: Points<'_>,
    params: &FitParams,
    fits: usize,
) -> Result<Vec<Outcome>> {
    let outcomes: Vec<Outcome> = stages
        .iter()
        .map(|s| run::outcome(*s, points, params, fits))
        .collect::<Result<_>>()?;
    for (stage, o) in stages.iter().zip(&outcomes) {
        if o.labels != outcomes[0].labels || o.iterations != outcomes[0].iterations {
            eprintln!(
                "warning: {} does not match naive's labels and iterations; it is marked in the table",
                stage.name()
            );
        }
    }
    Ok(outcomes)
}

/// Every stage's and existing implementation's whole fit, timed by `clock`.
fn time(
    stages: &[&dyn Stage],
    existing: &[Existing<'_>],
    points: Points<'_>,
    params: &FitParams,
    clock: &mut dyn Clock,
) -> Result<Option<Vec<Timing>>> {
    let mut contenders: Vec<Contender<'_>> = stages
        .iter()
        .map(|&stage| Contender {
            name: stage.name(),
            fit: Box::new(move || {
                black_box(stage.fit(black_box(points), params).expect("checked above"));
            }),
        })
        .collect();
    contenders.extend(existing.iter().map(|e| Contender {
        name: &e.name,
        fit: Box::new(|| {
            black_box((e.fit)());
        }),
    }));
    clock.time(&contenders)
}

/// Profiles `stage` into `dir/flamegraphs/NAME.svg`: the file's name, relative to `dir`,
/// and the busiest lines; nothing (and a warning) if that failed.
fn profile_into(
    stage: &dyn Stage,
    points: Points<'_>,
    params: &FitParams,
    settings: &Settings,
    dir: &Path,
) -> (Option<String>, Vec<LineShare>) {
    let name = format!("flamegraphs/{}.svg", stage.name());
    let (duration, root) = (settings.profile_time, &settings.source_root);
    let written = profile::profile(stage, points, params, duration, root).and_then(|p| {
        let artifact = Artifact {
            name: name.clone(),
            bytes: p.svg,
        };
        report::write_artifact(dir, &artifact)?;
        Ok(p.lines)
    });
    match written {
        Ok(lines) => (Some(name), lines),
        Err(e) => {
            eprintln!("no flamegraph for {}: {e:#}", stage.name());
            (None, Vec::new())
        }
    }
}

/// Writes the report into `dir`, with the scaling grid's last run if `dir` holds one
/// (`cargo bench --bench grid`) and the history of runs (this one appended to
/// `history.jsonl`), and prints its table.
pub fn publish(report: &Report, dir: &Path) -> Result<()> {
    let t = std::time::Instant::now();
    RunRecord::of(report).append(dir)?;
    let report = report.clone().with_surroundings(dir)?;
    report::write_all(&report, dir)?;
    println!("\n{}", Markdown::table(&report));
    println!("Machine: {}", report.machine.describe());
    println!(
        "Report: {} (written in {:.1} s); open it in a browser.",
        dir.join("index.html").display(),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}
