//! `ladder fit --stage all`: every stage on the user's points from the same initial
//! centers, each fitted `1 + --repeat` times, checked to give naive's labels and
//! iterations, and a speedup table — the seed's ladder on their own data.

use std::sync::Arc;

use anyhow::{Result, bail};
use ladder_core::{Fit, Points};
use ladder_distributed::{Prepared, Source};
use serde::Serialize;

use super::fit::{Outputs, params_from_args, timed_prepared};
use super::progress::Voice;
use super::{FitArgs, about, input, load};
use crate::record::FitRecord;
use crate::run::{TimedFit, seconds, timed_fit};
use crate::stages::{self, Engine, StageOptions};
use crate::table::{Align, Table};

/// The `--stage` that runs every stage.
pub(super) const ALL: &str = "all";

/// One stage's line of the table, as `--out` writes it.
#[derive(Debug, Clone, Serialize)]
struct StageRow {
    stage: String,
    /// Median seconds of the timed fits (the one fit's without `--repeat`).
    median_seconds: f64,
    min_seconds: f64,
    max_seconds: f64,
    /// Timed fits behind the figures (1 without `--repeat`: the only fit).
    fits: usize,
    iterations: usize,
    /// Labels and iterations equal naive's.
    agrees: bool,
}

/// `--out` of `--stage all`: naive's record (the model `ladder predict` reads) and every
/// stage's row.
#[derive(Debug, Serialize)]
struct AllRecord<'a> {
    #[serde(flatten)]
    reference: &'a FitRecord,
    stages: Vec<StageRow>,
}

/// Fits with every stage and prints their table; a stage that disagrees with naive is a
/// failure (exit status 1) after the table.
pub(super) fn fit_all(args: &FitArgs, options: &StageOptions, voice: &Voice) -> Result<()> {
    if options.distributed.hosts.is_some() {
        return input(Err(anyhow::anyhow!(
            "--stage all runs the distributed stage on this machine; drop --hosts and --process"
        )));
    }
    let engines = input(stages::build_every(options))?;
    let points = load(&args.input, voice)?;
    let outputs = Outputs::create(args)?;
    let params = input(params_from_args(args, points.d()))?;
    // Shared with the distributed stage's workers, not copied for them.
    let d = points.d();
    let data = Arc::new(points.into_vec());
    let view = Points::new(&data, d).expect("whole rows");
    let checked = params.check(view).map_err(about(&args.input.input))?;
    let mut runs = Vec::new();
    for engine in &engines {
        let _bar = voice.fit_bar(engine.name(), params.max_iter);
        let run = fit_engine(engine, (view, &data), &params, args.repeat)?;
        runs.push((engine.name(), run));
    }
    let rows: Vec<StageRow> = runs
        .iter()
        .map(|(s, run)| row(s, run, &runs[0].1.fit))
        .collect();
    let name = args.input.input.to_string();
    let (n, initial) = (view.n(), checked.initial_centers());
    let (stage, run) = runs.swap_remove(0);
    let reference = FitRecord::new(stage, &name, n, &params, initial, run);
    voice.say(&summary(&reference, &rows, args.repeat));
    let disagree: Vec<&str> = rows
        .iter()
        .filter(|r| !r.agrees)
        .map(|r| r.stage.as_str())
        .collect();
    if !disagree.is_empty() {
        bail!(
            "stages {} gave other labels or iterations than naive's; please report it with the input",
            disagree.join(", ")
        );
    }
    let record = AllRecord {
        reference: &reference,
        stages: rows,
    };
    outputs.write(&record, &reference, voice)
}

/// `1 + repeat` fits of one stage (the distributed one on this machine, from the same
/// points in memory).
fn fit_engine(
    engine: &Engine,
    (view, data): (Points<'_>, &Arc<Vec<f64>>),
    params: &ladder_core::FitParams,
    repeat: usize,
) -> Result<TimedFit> {
    match engine {
        Engine::Memory(stage) => timed_fit(*stage, view, params, repeat),
        Engine::Owned(stage) => timed_fit(stage.as_ref(), view, params, repeat),
        Engine::Cluster(stage) => {
            let source = Source::Memory {
                d: view.d(),
                data: Arc::clone(data),
            };
            let prepared = input(Prepared::new(source, params))?;
            timed_prepared(stage, &prepared, repeat)
        }
    }
}

/// A stage's row, against naive's fit.
fn row(stage: &str, run: &TimedFit, reference: &Fit) -> StageRow {
    let (median, min, max, fits) = match &run.timing {
        Some(t) => (t.median_seconds, t.min_seconds, t.max_seconds, t.repeat),
        None => (run.fit_seconds, run.fit_seconds, run.fit_seconds, 1),
    };
    StageRow {
        stage: stage.to_string(),
        median_seconds: median,
        min_seconds: min,
        max_seconds: max,
        fits,
        iterations: run.fit.iterations,
        agrees: run.fit.labels == reference.labels && run.fit.iterations == reference.iterations,
    }
}

/// A ratio to two significant digits (three from 100 on): `12×`, `1.3×`, `0.0042×`.
fn times(ratio: f64) -> String {
    let digits = (1.0 - ratio.log10().floor()).max(0.0) as usize;
    format!("{ratio:.digits$}×")
}

/// The table, with what it measured.
fn summary(reference: &FitRecord, rows: &[StageRow], repeat: usize) -> String {
    let mut table = Table::new(&[
        ("stage", Align::Left),
        ("median (min–max)", Align::Right),
        ("vs naive", Align::Right),
        ("iterations", Align::Right),
        ("labels = naive", Align::Center),
    ]);
    let naive = rows[0].median_seconds;
    for r in rows {
        table.push(vec![
            r.stage.clone(),
            format!(
                "{} ({}–{})",
                seconds(r.median_seconds),
                seconds(r.min_seconds),
                seconds(r.max_seconds)
            ),
            times(naive / r.median_seconds),
            r.iterations.to_string(),
            if r.agrees { "yes" } else { "NO" }.to_string(),
        ]);
    }
    let timing = match repeat {
        0 => "one fit each, whole-fit wall time (use --repeat R for the median of R fits after a warm-up)".to_string(),
        r => format!("median of {r} fits after a warm-up, whole-fit wall time"),
    };
    format!(
        "every stage: {} points × {} features, k = {}, init {}, {} threads\n{timing}\n\n{}",
        reference.n,
        reference.d,
        reference.k,
        reference.init,
        rayon::current_num_threads(),
        table.to_markdown()
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn ratios_keep_two_significant_digits() {
        assert_eq!(super::times(123.4), "123×");
        assert_eq!(super::times(12.34), "12×");
        assert_eq!(super::times(1.234), "1.2×");
        assert_eq!(super::times(0.004_23), "0.0042×");
    }
}
