//! One stage on one dataset: fits, timed.

use std::time::Instant;

use anyhow::{Result, bail};
use ladder_core::{Details, Fit, FitParams, Points, Stage};
use ladder_pruned::PrunedFacts;
use serde::Serialize;

use crate::report::Work;
use crate::stats;

/// Whole-fit wall-clock times of repeated fits (after one warm-up fit).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timing {
    /// Timed fits.
    pub repeat: usize,
    /// The fastest.
    pub min_seconds: f64,
    /// Their median.
    pub median_seconds: f64,
    /// The slowest.
    pub max_seconds: f64,
    /// Every timed fit, in the order run.
    pub samples_seconds: Vec<f64>,
}

impl Timing {
    /// The statistics of `samples` (at least one), kept in the order run.
    pub fn from_samples(samples: Vec<f64>) -> Self {
        let sorted = stats::sorted(&samples);
        Self {
            repeat: samples.len(),
            min_seconds: sorted[0],
            median_seconds: stats::median(&samples),
            max_seconds: sorted[sorted.len() - 1],
            samples_seconds: samples,
        }
    }
}

/// A fit and how long it took.
#[derive(Debug, Clone)]
pub struct TimedFit {
    /// The first fit.
    pub fit: Fit,
    /// Wall-clock seconds of the first fit (validation and init included).
    pub fit_seconds: f64,
    /// With `repeat > 0`: the first fit was the warm-up, then `repeat` more were timed.
    pub timing: Option<Timing>,
}

/// Fits once; with `repeat > 0`, that fit warms up and `repeat` more are timed. Every
/// repeat must give the first fit's labels and iterations (the stages are
/// deterministic); a difference is an error, not a footnote.
pub fn timed_fit(
    stage: &dyn Stage,
    points: Points<'_>,
    params: &FitParams,
    repeat: usize,
) -> Result<TimedFit> {
    timed(stage.name(), repeat, || Ok(stage.fit(points, params)?))
}

/// [`timed_fit`] for any way of fitting: `fit` is called `1 + repeat` times.
pub fn timed(name: &str, repeat: usize, mut fit: impl FnMut() -> Result<Fit>) -> Result<TimedFit> {
    let t = Instant::now();
    let first = fit()?;
    let fit_seconds = t.elapsed().as_secs_f64();
    let mut samples = Vec::with_capacity(repeat);
    for _ in 0..repeat {
        let t = Instant::now();
        let again = fit()?;
        samples.push(t.elapsed().as_secs_f64());
        if again.labels != first.labels || again.iterations != first.iterations {
            bail!(
                "stage {name} is not deterministic: a repeated fit gave other labels or iterations"
            );
        }
    }
    let fit = first;
    Ok(TimedFit {
        fit,
        fit_seconds,
        timing: (repeat > 0).then(|| Timing::from_samples(samples)),
    })
}

/// What a stage's fits produce apart from their wall time: the first fit's labels and
/// iterations, and the median seconds per fit in assignment and in update.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The first fit's labels.
    pub labels: Vec<u32>,
    /// The first fit's assignment passes.
    pub iterations: usize,
    /// Median seconds per fit in the assignment.
    pub assign_seconds: f64,
    /// Median seconds per fit in the update.
    pub update_seconds: f64,
    /// The first fit's own account of how it ran ([`Fit::details`]).
    pub details: Details,
    /// The distances the first fit computed, where the stage counts them.
    pub work: Option<Work>,
}

/// The distances `fit` computed on `n` points, against brute force's; per pass where
/// the stage reports its passes (the pruned rung's facts).
pub fn work_of(fit: &Fit, n: usize) -> Option<Work> {
    let skipped_per_pass = match fit.details.get::<PrunedFacts>() {
        Some(facts) => facts.passes.iter().map(|p| p.skipped.0).collect(),
        None => Vec::new(),
    };
    Some(Work {
        distance_evaluations: fit.distance_evaluations?,
        all_pairs: (n as u64) * (fit.k as u64) * (fit.iterations as u64),
        skipped_per_pass,
    })
}

/// Fits `fits` times (at least once) and summarises them as an [`Outcome`].
pub fn outcome(
    stage: &dyn Stage,
    points: Points<'_>,
    params: &FitParams,
    fits: usize,
) -> Result<Outcome> {
    let runs = (0..fits.max(1))
        .map(|_| stage.fit(points, params))
        .collect::<Result<Vec<Fit>, _>>()?;
    let median = |f: fn(&Fit) -> f64| stats::median(&runs.iter().map(f).collect::<Vec<_>>());
    Ok(Outcome {
        assign_seconds: median(|f| f.assign_seconds),
        update_seconds: median(|f| f.update_seconds),
        iterations: runs[0].iterations,
        details: runs[0].details.clone(),
        work: work_of(&runs[0], points.n()),
        labels: runs.into_iter().next().expect("at least one fit").labels,
    })
}

/// Seconds in a readable unit.
pub fn seconds(s: f64) -> String {
    match s {
        s if s >= 1.0 => format!("{s:.3} s"),
        s if s >= 1e-3 => format!("{:.3} ms", s * 1e3),
        s => format!("{:.1} µs", s * 1e6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timing_statistics() {
        let t = Timing::from_samples(vec![3.0, 1.0, 2.0, 10.0]);
        assert_eq!(
            (t.min_seconds, t.median_seconds, t.max_seconds),
            (1.0, 2.5, 10.0)
        );
        assert_eq!(t.samples_seconds, vec![3.0, 1.0, 2.0, 10.0]);
        assert_eq!(Timing::from_samples(vec![5.0]).median_seconds, 5.0);
    }

    #[test]
    fn seconds_pick_a_unit() {
        assert_eq!(seconds(2.0), "2.000 s");
        assert_eq!(seconds(0.0123), "12.300 ms");
        assert_eq!(seconds(0.0000123), "12.3 µs");
    }
}
