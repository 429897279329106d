//! The record of a fit for people and scripts: the JSON `ladder fit --out` writes, and
//! the summary it prints.

use ladder_core::{Details, FitParams};
use serde::Serialize;

use crate::run::{TimedFit, Timing, seconds};

/// The version of [`FitRecord`]'s JSON: raised when a field changes meaning or goes.
pub const SCHEMA_VERSION: u32 = 1;

/// The JSON record `ladder fit --out` writes (documented in the README, "ladder fit
/// --out"), and the model `ladder predict` reads.
#[derive(Debug, Clone, Serialize)]
pub struct FitRecord {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The stage's name.
    pub stage: String,
    /// The input file, as given.
    pub input: String,
    /// Points.
    pub n: usize,
    /// Features per point.
    pub d: usize,
    /// Clusters.
    pub k: usize,
    /// The init's name, or `given`.
    pub init: String,
    /// The seed of the seeded inits.
    pub seed: u64,
    /// The bound on assignment passes.
    pub max_iter: usize,
    /// Assignment passes, the last included.
    pub iterations: usize,
    /// Whether the last update changed nothing.
    pub converged: bool,
    /// Sum of squared distances to the assigned centers.
    pub inertia: f64,
    /// Seconds in the assignment, all passes.
    pub assign_seconds: f64,
    /// Seconds in the update, all passes.
    pub update_seconds: f64,
    /// Seconds of the whole (first) fit, validation and init included.
    pub fit_seconds: f64,
    /// Each pass's seconds (assignment and update), in order.
    pub pass_seconds: Vec<f64>,
    /// With `--repeat`: the timed fits after the warm-up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timing: Option<Timing>,
    /// The stage's own facts about the fit.
    pub details: Details,
    /// Each point's cluster.
    pub labels: Vec<u32>,
    /// The final centers, a row each.
    pub centers: Vec<Vec<f64>>,
    /// The centers the fit started from, a row each.
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
            schema_version: SCHEMA_VERSION,
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
        for (key, value) in &self.details.to_json() {
            s += &format!("\n{key}: {}", crate::report::brief(value));
        }
        s
    }
}
