//! One stage on one dataset: fit, time, record.

use std::time::Instant;

use anyhow::{Result, bail};
use ladder_core::{Fit, FitParams, Points, Stage};
use serde::Serialize;
use serde_json::{Map, Value};

/// Whole-fit wall-clock times of repeated fits (after one warm-up fit).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timing {
    pub repeat: usize,
    pub min_seconds: f64,
    pub median_seconds: f64,
    pub max_seconds: f64,
    /// Every timed fit, in the order run.
    pub samples_seconds: Vec<f64>,
}

impl Timing {
    fn from_samples(samples: Vec<f64>) -> Self {
        let mut sorted = samples.clone();
        sorted.sort_by(f64::total_cmp);
        let m = sorted.len() / 2;
        let median = if sorted.len() % 2 == 1 {
            sorted[m]
        } else {
            (sorted[m - 1] + sorted[m]) / 2.0
        };
        Self {
            repeat: samples.len(),
            min_seconds: sorted[0],
            median_seconds: median,
            max_seconds: sorted[sorted.len() - 1],
            samples_seconds: samples,
        }
    }
}

/// A fit and how long it took.
#[derive(Debug, Clone)]
pub struct TimedFit {
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
    pub labels: Vec<u32>,
    pub iterations: usize,
    pub assign_seconds: f64,
    pub update_seconds: f64,
    /// The first fit's own account of how it ran ([`Fit::details`]).
    pub details: serde_json::Map<String, serde_json::Value>,
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
    let median =
        |f: fn(&Fit) -> f64| Timing::from_samples(runs.iter().map(f).collect()).median_seconds;
    Ok(Outcome {
        assign_seconds: median(|f| f.assign_seconds),
        update_seconds: median(|f| f.update_seconds),
        iterations: runs[0].iterations,
        details: runs[0].details.clone(),
        labels: runs.into_iter().next().expect("at least one fit").labels,
    })
}

/// The JSON record `ladder fit --out` writes.
#[derive(Debug, Clone, Serialize)]
pub struct FitRecord {
    pub stage: String,
    pub input: String,
    pub n: usize,
    pub d: usize,
    pub k: usize,
    pub init: String,
    pub seed: u64,
    pub max_iter: usize,
    pub iterations: usize,
    pub converged: bool,
    pub inertia: f64,
    pub assign_seconds: f64,
    pub update_seconds: f64,
    pub fit_seconds: f64,
    /// Each pass's seconds (assignment and update), in order.
    pub pass_seconds: Vec<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timing: Option<Timing>,
    pub details: Map<String, Value>,
    pub labels: Vec<u32>,
    pub centers: Vec<Vec<f64>>,
    pub initial_centers: Vec<Vec<f64>>,
}

impl FitRecord {
    /// The record of `run`, a fit by `stage` of `n` points from `input`, started from
    /// `initial` centers.
    pub fn new(
        stage: &str,
        input: &str,
        n: usize,
        params: &FitParams,
        initial: &[f64],
        run: TimedFit,
    ) -> Self {
        let fit = run.fit;
        let d = fit.d;
        let rows = |v: &[f64]| v.chunks_exact(d).map(<[f64]>::to_vec).collect();
        Self {
            stage: stage.to_string(),
            input: input.to_string(),
            n,
            d,
            k: params.k,
            init: params.init_name().to_string(),
            seed: params.seed,
            max_iter: params.max_iter,
            iterations: fit.iterations,
            converged: fit.converged,
            inertia: fit.inertia,
            assign_seconds: fit.assign_seconds,
            update_seconds: fit.update_seconds,
            fit_seconds: run.fit_seconds,
            pass_seconds: fit.pass_seconds,
            timing: run.timing,
            details: fit.details,
            labels: fit.labels,
            centers: rows(&fit.centers),
            initial_centers: rows(initial),
        }
    }

    /// A few lines for people: what ran, whether it converged, where the time went.
    pub fn summary(&self) -> String {
        let total = self.assign_seconds + self.update_seconds;
        let share = if total > 0.0 {
            100.0 * self.assign_seconds / total
        } else {
            0.0
        };
        let mut s = format!(
            "{stage}: {n} points × {d} features, k = {k}, init {init}\n\
             {iterations} iterations, {conv}, inertia {inertia}\n\
             fit {fit}: assignment {assign} ({share:.0} %), update {update}",
            stage = self.stage,
            n = self.n,
            d = self.d,
            k = self.k,
            init = self.init,
            iterations = self.iterations,
            conv = if self.converged {
                "converged".to_string()
            } else {
                format!("stopped at max_iter = {} (not converged)", self.max_iter)
            },
            inertia = self.inertia,
            fit = seconds(self.fit_seconds),
            assign = seconds(self.assign_seconds),
            update = seconds(self.update_seconds),
        );
        if let Some(t) = &self.timing {
            s += &format!(
                "\n{} timed fits after a warm-up: min {}, median {}, max {}",
                t.repeat,
                seconds(t.min_seconds),
                seconds(t.median_seconds),
                seconds(t.max_seconds)
            );
        }
        for (key, value) in &self.details {
            s += &format!("\n{key}: {value}");
        }
        s
    }
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
