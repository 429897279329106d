//! The result of a fit, the same for every stage.

use serde::Serialize;

use crate::Details;

/// The result of a fit; see the contract in the crate docs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fit {
    /// The cluster of each point, from the last assignment pass.
    pub labels: Vec<u32>,
    /// `k × d`, row-major: the centers after the last update.
    pub centers: Vec<f64>,
    /// Number of clusters.
    pub k: usize,
    /// Features per point.
    pub d: usize,
    /// Assignment passes, the last (the one that found nothing changed) included.
    pub iterations: usize,
    /// Whether the last update left every center unchanged (else `max_iter` was hit).
    pub converged: bool,
    /// Sum over points, in order, of the squared distance to the center each was assigned
    /// to in the last pass.
    pub inertia: f64,
    /// Wall-clock seconds spent in the assignment, all passes together.
    pub assign_seconds: f64,
    /// Wall-clock seconds spent in the update and the stop test.
    pub update_seconds: f64,
    /// Wall-clock seconds of each pass (assignment and update), in order: the spread of
    /// a fit's passes, which the totals hide.
    pub pass_seconds: Vec<f64>,
    /// Point-to-center distances the fit computed, all passes together, where the stage
    /// can count them (brute force: `n·k` per pass): the fit's work, which does not
    /// depend on the machine or its noise.
    pub distance_evaluations: Option<u64>,
    /// What the stage says about its run, typed by the stage (see [`crate::Facts`]).
    pub details: Details,
}

/// How many distances a rung's fit computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evaluations {
    /// Every point against every center, every pass: brute force.
    AllPairs,
    /// This many, all passes together.
    Counted(u64),
    /// The rung cannot say (a KD-tree's queries, say).
    Unknown,
}

impl Evaluations {
    /// The count for a fit of `n` points, `k` centers and `passes` assignment passes.
    pub fn count(self, n: usize, k: usize, passes: usize) -> Option<u64> {
        match self {
            Evaluations::AllPairs => Some((n as u64) * (k as u64) * (passes as u64)),
            Evaluations::Counted(c) => Some(c),
            Evaluations::Unknown => None,
        }
    }
}

impl Fit {
    /// Center `j`.
    pub fn center(&self, j: usize) -> &[f64] {
        &self.centers[j * self.d..(j + 1) * self.d]
    }
}
