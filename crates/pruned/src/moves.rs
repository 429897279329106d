//! How far the centers have moved: the per-pass bookkeeping every bound needs, kept as
//! running sums so that a point's bounds can be stored once and read lazily (Hamerly's
//! trick): a bound set in pass `s` is corrected by the moves since `s` as the difference
//! of two running sums.

use ladder_core::sq_dist;

/// Relative slack that covers the rounding of a distance in `d` dimensions computed by
/// the contract's formula, of its square root, and of each bound update.
pub(crate) fn slack(d: usize) -> f64 {
    1e-12 + 4.0 * (d + 2) as f64 * f64::EPSILON
}

/// Which moves a point's lower bound loses: those of every other cluster (Hamerly's one
/// bound, which excludes the point's own), or of every cluster (a bound over groups that
/// may hold the point's own center).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lower {
    Others,
    All,
}

/// The centers' moves, pass by pass.
#[derive(Debug, Clone)]
pub(crate) struct Moves {
    d: usize,
    lower: Lower,
    /// Per cluster: how far it moved this pass (rounded up).
    pub(crate) step: Vec<f64>,
    /// Per cluster: how far it has moved in all.
    pub(crate) moved: Vec<f64>,
    /// Per cluster: the running sum of the largest move of any other cluster.
    pub(crate) others_moved: Vec<f64>,
    /// The running sum of the largest move of any cluster.
    pub(crate) all_moved: f64,
    /// Per cluster, padded to a multiple of 8: what a point of the cluster's bounds have
    /// lost in all (`moved` plus `others_moved` or `all_moved`).
    pub(crate) threshold: Vec<f64>,
    /// The largest `threshold`.
    pub(crate) largest: f64,
    /// The largest norm of any center so far.
    pub(crate) largest_center: f64,
    /// The centers of the last pass.
    previous: Vec<f64>,
    /// Passes seen.
    pub(crate) passes: usize,
}

impl Moves {
    pub(crate) fn new(k: usize, d: usize, lower: Lower) -> Self {
        Self {
            d,
            lower,
            step: vec![0.0; k],
            // Padded to whole vectors, so the kernels can look them up with a permute.
            moved: vec![0.0; k.next_multiple_of(8)],
            others_moved: vec![0.0; k.next_multiple_of(8)],
            all_moved: 0.0,
            threshold: vec![0.0; k.next_multiple_of(8)],
            largest: 0.0,
            largest_center: 0.0,
            previous: vec![0.0; k * d],
            passes: 0,
        }
    }

    /// The pass about to assign against `centers` starts: their moves since the last
    /// pass are added to the running sums (from the second pass on).
    pub(crate) fn advance(&mut self, centers: &[f64]) {
        let d = self.d;
        for c in centers.chunks_exact(d) {
            let norm = c.iter().map(|v| v * v).sum::<f64>().sqrt();
            self.largest_center = self.largest_center.max(norm);
        }
        if self.passes > 0 {
            self.add_moves(centers);
        }
        self.previous.copy_from_slice(centers);
        self.passes += 1;
    }

    fn add_moves(&mut self, centers: &[f64]) {
        let (d, slack) = (self.d, slack(self.d));
        let pairs = centers.chunks_exact(d).zip(self.previous.chunks_exact(d));
        for (s, (c, p)) in self.step.iter_mut().zip(pairs) {
            *s = sq_dist(c, p).sqrt() * (1.0 + slack);
        }
        // The largest and second-largest move: the largest move of any *other* cluster
        // is the largest, except for the cluster that made it.
        let (mut first, mut second, mut first_j) = (0.0, 0.0, usize::MAX);
        for (j, &s) in self.step.iter().enumerate() {
            if s > first {
                (second, first, first_j) = (first, s, j);
            } else if s > second {
                second = s;
            }
        }
        self.all_moved += first;
        for (j, &s) in self.step.iter().enumerate() {
            self.moved[j] += s;
            self.others_moved[j] += if j == first_j { second } else { first };
            self.threshold[j] = self.moved[j]
                + match self.lower {
                    Lower::Others => self.others_moved[j],
                    Lower::All => self.all_moved,
                };
            self.largest = self.largest.max(self.threshold[j]);
        }
    }

    /// The margin every test adds this pass: every stored bound is a distance (at most
    /// `largest_point + largest_center`) plus or minus a running sum (at most `largest`),
    /// and each carries a few roundings of that size per pass; the margin covers them
    /// all, and the contract's rounding.
    pub(crate) fn margin(&self, largest_point: f64) -> f64 {
        let per_pass = 16.0 * f64::EPSILON * self.passes as f64;
        let distance = largest_point + self.largest_center;
        (slack(self.d) + per_pass) * 2.0 * (self.largest + distance)
    }
}
