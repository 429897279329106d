//! Lloyd's loop, written once: the pass-by-pass state ([`Lloyd`]) that owns the stop
//! rule, the timing split and the assembly of the [`Fit`], and the shared loop
//! ([`lloyd`]) that drives it with a rung's [`Steps`]. An engine that runs its passes
//! elsewhere (a dataflow, say) drives the same [`Lloyd`] from outside.

use std::time::Instant;

use crate::{Checked, Details, Evaluations, Fit, Plan, inertia};

/// A rung's two steps. [`lloyd`] owns everything else.
pub trait Steps {
    /// Writes into `labels[i]` the index of the center nearest to point `i` (squared
    /// distance summed over dimensions in order; the lowest index wins a tie).
    /// `centers` is `k × d`, row-major. On entry `labels` holds what the previous pass
    /// wrote (zeros before the first), so a rung may write only the labels that changed.
    fn assign(&mut self, centers: &[f64], labels: &mut [u32]);

    /// Replaces `centers` (on entry: the centers `labels` were computed from) by the
    /// per-cluster means of the points; an empty cluster keeps its center.
    fn update(&mut self, labels: &[u32], centers: &mut [f64]);

    /// What this run is worth reporting (the method chosen, peak memory, …), as the
    /// rung's own typed facts; they go into [`Fit::details`].
    fn details(&self) -> Details {
        Details::none()
    }

    /// How many distances the run computed: by default every point against every center
    /// in every pass (brute force).
    fn evaluations(&self) -> Evaluations {
        Evaluations::AllPairs
    }
}

/// Lloyd's loop as a state, pass by pass:
///
/// ```text
/// while lloyd.running() {
///     lloyd.begin_pass();                       // the pass's clock starts
///     assign against lloyd.centers();           // timed as the assignment
///     update lloyd.begin_update() in place;     // timed as the update
///     lloyd.end_pass();                         // the stop rule
/// }
/// lloyd.finish(labels, inertia, details, work)  // the Fit
/// ```
#[derive(Debug, Clone)]
pub struct Lloyd {
    centers: Vec<f64>,
    /// The centers the last pass assigned against.
    previous: Vec<f64>,
    d: usize,
    n: usize,
    max_iter: usize,
    run_all_iterations: bool,
    iterations: usize,
    converged: bool,
    assign_seconds: f64,
    update_seconds: f64,
    pass_seconds: Vec<f64>,
    pass_started: Instant,
    update_started: Instant,
}

impl Lloyd {
    /// A fit about to start from the plan's initial centers.
    pub fn new(plan: &Plan) -> Self {
        let centers = plan.initial_centers().to_vec();
        let now = Instant::now();
        Self {
            previous: centers.clone(),
            centers,
            d: plan.d(),
            n: plan.n(),
            max_iter: plan.params().max_iter,
            run_all_iterations: plan.params().run_all_iterations,
            iterations: 0,
            converged: false,
            assign_seconds: 0.0,
            update_seconds: 0.0,
            pass_seconds: Vec::new(),
            pass_started: now,
            update_started: now,
        }
    }

    /// Whether another pass is due: fewer than `max_iter` so far, and not converged
    /// (unless every pass is to run).
    pub fn running(&self) -> bool {
        self.iterations < self.max_iter && (self.run_all_iterations || !self.converged)
    }

    /// The centers the coming pass assigns against (`k × d`, row-major).
    pub fn centers(&self) -> &[f64] {
        &self.centers
    }

    /// The centers the last pass assigned against: what its labels' inertia is measured
    /// from.
    pub fn assigned_centers(&self) -> &[f64] {
        &self.previous
    }

    /// Assignment passes begun so far.
    pub fn iterations(&self) -> usize {
        self.iterations
    }

    /// A pass starts: its clock, and the assignment's, start now.
    pub fn begin_pass(&mut self) {
        self.pass_started = Instant::now();
    }

    /// The pass's assignment is done: its time is counted, and the update's clock starts.
    /// Returns the centers, for the update to replace in place.
    pub fn begin_update(&mut self) -> &mut [f64] {
        self.assign_seconds += self.pass_started.elapsed().as_secs_f64();
        self.iterations += 1;
        self.update_started = Instant::now();
        self.previous.copy_from_slice(&self.centers);
        &mut self.centers
    }

    /// The pass's update is done: the stop rule (every center unchanged, compared with
    /// `==`) and the pass's time.
    pub fn end_pass(&mut self) {
        self.converged = self.centers == self.previous;
        self.update_seconds += self.update_started.elapsed().as_secs_f64();
        let seconds = self.pass_started.elapsed().as_secs_f64();
        self.pass_seconds.push(seconds);
        crate::observe::pass_done(crate::PassDone {
            iteration: self.iterations,
            max_iter: self.max_iter,
            seconds,
            converged: self.converged,
        });
    }

    /// The fit: the last pass's `labels` and their `inertia`, the centers after the last
    /// update, the stage's `details` and the distances it computed.
    pub fn finish(
        self,
        labels: Vec<u32>,
        inertia: f64,
        details: Details,
        evaluations: Evaluations,
    ) -> Fit {
        let k = self.centers.len() / self.d;
        Fit {
            labels,
            k,
            distance_evaluations: evaluations.count(self.n, k, self.iterations),
            d: self.d,
            centers: self.centers,
            iterations: self.iterations,
            converged: self.converged,
            inertia,
            assign_seconds: self.assign_seconds,
            update_seconds: self.update_seconds,
            pass_seconds: self.pass_seconds,
            details,
        }
    }
}

/// Lloyd's loop over a rung's `steps`, from the checked fit's initial centers: assign,
/// update, stop when nothing changed (unless every pass is to run) or after `max_iter`
/// passes. This is what a rung's [`crate::Stage::fit_checked`] calls.
pub fn lloyd<S: Steps>(checked: &Checked<'_>, steps: &mut S) -> Fit {
    let points = checked.points();
    let mut lloyd = Lloyd::new(checked.plan());
    let mut labels = vec![0u32; points.n()];
    while lloyd.running() {
        lloyd.begin_pass();
        steps.assign(lloyd.centers(), &mut labels);
        steps.update(&labels, lloyd.begin_update());
        lloyd.end_pass();
    }
    let inertia = inertia(points, lloyd.assigned_centers(), &labels);
    lloyd.finish(labels, inertia, steps.details(), steps.evaluations())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FitParams, Points, assign_nearest, update_means};

    /// The plainest possible steps, to test the loop on its own.
    struct Plain<'a>(Points<'a>);

    impl Steps for Plain<'_> {
        fn assign(&mut self, centers: &[f64], labels: &mut [u32]) {
            assign_nearest(self.0, centers, labels);
        }
        fn update(&mut self, labels: &[u32], centers: &mut [f64]) {
            update_means(self.0, labels, centers);
        }
    }

    fn fit(data: &[f64], d: usize, params: &FitParams) -> Fit {
        let checked = params.check(Points::new(data, d).unwrap()).unwrap();
        lloyd(&checked, &mut Plain(checked.points()))
    }

    #[test]
    fn counts_the_final_unchanged_pass_and_computes_inertia() {
        // Two obvious clusters; last-k starts from (10) and (11).
        let data = [0.0, 1.0, 2.0, 10.0, 11.0];
        let f = fit(&data, 1, &FitParams::new(2));
        assert_eq!(f.labels, vec![0, 0, 0, 1, 1]);
        // Pass 1 moves center 0 to 3.25; pass 2 gives {0,1,2} / {10,11}; pass 3 is stable.
        assert_eq!(f.iterations, 3);
        assert!(f.converged);
        assert_eq!(f.centers, vec![1.0, 10.5]);
        assert_eq!(f.inertia, 1.0 + 0.0 + 1.0 + 0.25 + 0.25);
        assert_eq!(f.pass_seconds.len(), 3);
        assert_eq!(f.distance_evaluations, Some(5 * 2 * 3));
    }

    #[test]
    fn max_iter_cuts_the_loop_and_says_so() {
        let data = [0.0, 1.0, 2.0, 10.0, 11.0];
        let f = fit(&data, 1, &FitParams::new(2).max_iter(1));
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
        );
        assert_eq!(f.iterations, 7);
        assert!(f.converged);
        assert_eq!(f.centers, vec![1.0, 10.5]);
    }

    #[test]
    fn nothing_is_fitted_without_a_check() {
        // There is no way to build steps' input but through `check`, which refuses this.
        let data = [0.0, f64::NAN];
        let err = FitParams::new(1)
            .check(Points::new(&data, 1).unwrap())
            .unwrap_err();
        assert!(matches!(err, crate::FitError::NonFinite { row: 1, .. }));
    }
}
