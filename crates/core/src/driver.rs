//! The shared Lloyd driver: the loop, the stop rule, the timing split and the inertia,
//! written once for every rung.

use std::time::Instant;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::{FitError, FitParams, Points, init};

/// A rung's two steps. The driver owns everything else.
pub trait Steps {
    /// Writes into `labels[i]` the index of the center nearest to point `i` (squared
    /// distance summed over dimensions in order; the lowest index wins a tie).
    /// `centers` is `k × d`, row-major. On entry `labels` holds what the previous pass
    /// wrote (zeros before the first), so a rung may write only the labels that changed.
    fn assign(&mut self, centers: &[f64], labels: &mut [u32]);

    /// Replaces `centers` (on entry: the centers `labels` were computed from) by the
    /// per-cluster means of the points; an empty cluster keeps its center.
    fn update(&mut self, labels: &[u32], centers: &mut [f64]);

    /// Facts about this run worth reporting (the method chosen, peak memory, …); they go
    /// into [`Fit::details`] and from there into `ladder fit`'s JSON.
    fn details(&self) -> Map<String, Value> {
        Map::new()
    }
}

/// The result of a fit; see the contract in the crate docs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fit {
    /// The cluster of each point, from the last assignment pass.
    pub labels: Vec<u32>,
    /// `k × d`, row-major: the centers after the last update.
    pub centers: Vec<f64>,
    pub k: usize,
    pub d: usize,
    /// Assignment passes, the last (the one that found nothing changed) included.
    pub iterations: usize,
    /// Whether the last update left every center unchanged (else `max_iter` was hit).
    pub converged: bool,
    /// Sum over points, in order, of the squared distance to the center each was assigned
    /// to in the last pass.
    pub inertia: f64,
    /// Wall-clock seconds spent in [`Steps::assign`], all passes together.
    pub assign_seconds: f64,
    /// Wall-clock seconds spent in [`Steps::update`] and the stop test.
    pub update_seconds: f64,
    /// Wall-clock seconds of each pass (assignment and update), in order: the spread of
    /// a fit's passes, which the totals hide.
    pub pass_seconds: Vec<f64>,
    /// Stage-specific facts (see [`Steps::details`]).
    pub details: Map<String, Value>,
}

impl Fit {
    /// Center `j`.
    pub fn center(&self, j: usize) -> &[f64] {
        &self.centers[j * self.d..(j + 1) * self.d]
    }
}

/// Validates, chooses the initial centers, builds the rung's [`Steps`] with `make` and
/// runs [`lloyd`]. This is what a stage's [`crate::Stage::fit`] calls.
pub fn fit_with<'a, S, F>(points: Points<'a>, params: &FitParams, make: F) -> Result<Fit, FitError>
where
    S: Steps,
    F: FnOnce(Points<'a>, &FitParams) -> Result<S, FitError>,
{
    params.check(points)?;
    let centers = init::initial_centers(points, params);
    let mut steps = make(points, params)?;
    Ok(lloyd(points, centers, params, &mut steps))
}

/// Lloyd's loop from the given initial centers (`k × d`, row-major), for inputs already
/// validated: assign, update, stop when nothing changed (unless
/// `params.run_all_iterations`) or after `params.max_iter` passes.
pub fn lloyd<S: Steps>(
    points: Points<'_>,
    mut centers: Vec<f64>,
    params: &FitParams,
    steps: &mut S,
) -> Fit {
    let d = points.d();
    let k = centers.len() / d;
    let mut previous = centers.clone();
    let mut labels = vec![0u32; points.n()];
    let (mut assign_seconds, mut update_seconds) = (0.0, 0.0);
    let mut pass_seconds = Vec::new();
    let mut iterations = 0;
    let mut converged = false;
    while iterations < params.max_iter && (params.run_all_iterations || !converged) {
        let pass = Instant::now();
        steps.assign(&centers, &mut labels);
        assign_seconds += pass.elapsed().as_secs_f64();
        iterations += 1;

        let t = Instant::now();
        previous.copy_from_slice(&centers);
        steps.update(&labels, &mut centers);
        converged = centers == previous;
        update_seconds += t.elapsed().as_secs_f64();
        pass_seconds.push(pass.elapsed().as_secs_f64());
    }
    Fit {
        inertia: inertia(points, &previous, &labels),
        labels,
        centers,
        k,
        d,
        iterations,
        converged,
        assign_seconds,
        update_seconds,
        pass_seconds,
        details: steps.details(),
    }
}

/// Squared Euclidean distance, summed over the dimensions in order: the contract's one
/// distance. Fast rungs must reproduce its value exactly wherever a tie could flip.
#[inline]
pub fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).fold(0.0, |acc, (x, y)| {
        let t = x - y;
        acc + t * t
    })
}

/// The nearest of the `k × d` row-major `centers` to `point`, and its squared distance;
/// the lowest index wins a tie.
#[inline]
pub fn nearest(point: &[f64], centers: &[f64]) -> (u32, f64) {
    let mut best = (0, f64::INFINITY);
    for (j, c) in centers.chunks_exact(point.len()).enumerate() {
        let dist = sq_dist(point, c);
        if dist < best.1 {
            best = (j as u32, dist);
        }
    }
    best
}

/// The contract's assignment as a plain scan: every point against every center with
/// [`nearest`]. The exact fallback of rungs whose fast path does not apply.
pub fn assign_nearest(points: Points<'_>, centers: &[f64], labels: &mut [u32]) {
    for (label, p) in labels.iter_mut().zip(points.rows()) {
        *label = nearest(p, centers).0;
    }
}

/// The contract's update in plain loops: per-cluster sums in point order, divided by
/// the counts; an empty cluster keeps its center.
pub fn update_means(points: Points<'_>, labels: &[u32], centers: &mut [f64]) {
    let d = points.d();
    let mut sums = vec![0.0; centers.len()];
    let mut counts = vec![0usize; centers.len() / d];
    for (&l, p) in labels.iter().zip(points.rows()) {
        let l = l as usize;
        counts[l] += 1;
        for (s, x) in sums[l * d..(l + 1) * d].iter_mut().zip(p) {
            *s += x;
        }
    }
    for ((center, sum), &count) in centers
        .chunks_exact_mut(d)
        .zip(sums.chunks_exact(d))
        .zip(&counts)
    {
        if count > 0 {
            for (c, s) in center.iter_mut().zip(sum) {
                *c = s / count as f64;
            }
        }
    }
}

/// Sum over points, in order, of the squared distance to their labelled center.
pub fn inertia(points: Points<'_>, centers: &[f64], labels: &[u32]) -> f64 {
    let d = points.d();
    points
        .rows()
        .zip(labels)
        .map(|(p, &l)| sq_dist(p, &centers[l as usize * d..(l as usize + 1) * d]))
        .fold(0.0, |acc, x| acc + x)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plainest possible steps, to test the driver on its own.
    struct Plain<'a>(Points<'a>);

    impl Steps for Plain<'_> {
        fn assign(&mut self, centers: &[f64], labels: &mut [u32]) {
            assign_nearest(self.0, centers, labels);
        }
        fn update(&mut self, labels: &[u32], centers: &mut [f64]) {
            update_means(self.0, labels, centers);
        }
    }

    fn fit(data: &[f64], d: usize, params: &FitParams) -> Result<Fit, FitError> {
        fit_with(Points::new(data, d).unwrap(), params, |p, _| Ok(Plain(p)))
    }

    #[test]
    fn counts_the_final_unchanged_pass_and_computes_inertia() {
        // Two obvious clusters; last-k starts from (10) and (11).
        let data = [0.0, 1.0, 2.0, 10.0, 11.0];
        let f = fit(&data, 1, &FitParams::new(2)).unwrap();
        assert_eq!(f.labels, vec![0, 0, 0, 1, 1]);
        // Pass 1 moves center 0 to 3.25; pass 2 gives {0,1,2} / {10,11}; pass 3 is stable.
        assert_eq!(f.iterations, 3);
        assert!(f.converged);
        assert_eq!(f.centers, vec![1.0, 10.5]);
        assert_eq!(f.inertia, 1.0 + 0.0 + 1.0 + 0.25 + 0.25);
    }

    #[test]
    fn max_iter_cuts_the_loop_and_says_so() {
        let data = [0.0, 1.0, 2.0, 10.0, 11.0];
        let f = fit(&data, 1, &FitParams::new(2).max_iter(1)).unwrap();
        assert_eq!(f.iterations, 1);
        assert!(!f.converged);
        assert_eq!(f.centers, vec![3.25, 11.0]);
    }

    #[test]
    fn run_all_iterations_ignores_convergence() {
        let data = [0.0, 1.0, 2.0, 10.0, 11.0];
        let f = fit(
            &data,
            1,
            &FitParams::new(2).max_iter(7).run_all_iterations(),
        )
        .unwrap();
        assert_eq!(f.iterations, 7);
        assert!(f.converged);
        assert_eq!(f.centers, vec![1.0, 10.5]);
    }

    #[test]
    fn validation_runs_before_the_steps_are_built() {
        let data = [0.0, f64::NAN];
        let err = fit_with(
            Points::new(&data, 1).unwrap(),
            &FitParams::new(1),
            |p, _| {
                panic!("steps built for invalid input {p:?}");
                #[allow(unreachable_code)]
                Ok(Plain(p))
            },
        )
        .unwrap_err();
        assert!(matches!(err, FitError::NonFinite { row: 1, .. }));
    }

    #[test]
    fn nearest_prefers_the_lowest_index_on_ties() {
        let centers = [1.0, -1.0, 1.0];
        assert_eq!(nearest(&[0.0], &centers), (0, 1.0));
        assert_eq!(nearest(&[1.0], &centers), (0, 0.0));
    }
}
