//! # Rung three: `spatial-tree` — the right data structure (a kiddo KD-tree)
//!
//! **What it adds.** The seed's third step stops comparing every point with every center:
//! it builds a `scipy.spatial.cKDTree` over the centers and asks it for each point's
//! nearest one, then computes the new centers with a pandas group-by:
//!
//! ```python
//! tree = cKDTree(centers)
//! _, labels = tree.query(points)
//! centers = pd.DataFrame(points).groupby(labels).mean().values
//! ```
//!
//! Here the tree is kiddo's `ImmutableKdTree`, rebuilt over the `k` centers every
//! iteration; each point asks it for its two nearest centers. The update is a group-by:
//! the point indices are bucketed by label (a stable counting sort, so each group keeps
//! point order), then every group is reduced to its mean.
//!
//! **What it costs.** A tree answers a query in about `O(log k)` distance computations
//! instead of `k`, but each visit pays for branching, bounds checks and scattered memory.
//! With the seed's k = 10 in 2-D, a plain scan of ten centers is a handful of
//! instructions and the tree loses. kiddo's dimension is a compile-time constant, so the
//! code is instantiated for every `d` from 1 to 16; beyond that a KD-tree prunes almost
//! nothing, and the stage falls back to an exact scan of all centers and says so in the
//! fit's `details.method`.
//!
//! **Exact ties.** A tree returns *a* nearest center; with two centers at exactly the same
//! distance it may return the higher index, and its own arithmetic may differ from the
//! contract's by an ulp. So every query asks for the two nearest centers and recomputes
//! their distances with the contract's formula: when the second is clearly farther
//! (by a relative margin far above any rounding difference), the first is the answer;
//! otherwise that point is settled by an exact scan of all centers. The fit reports how
//! many points needed that (`details.tie_rechecks`).
//!
//! **Where it wins.** Large `k` in low dimensions — thousands of centers in 2-D or 3-D,
//! colour quantisation, geographic data — where a query visits a few dozen centers out
//! of thousands. It loses at the seed's k = 10 and in high dimensions.
//!
//! ```
//! use ladder_core::{FitParams, Points, Stage};
//! use ladder_spatial_tree::{SearchMethod, SpatialTree, TreeFacts};
//!
//! let data = [0.0, 0.0, 0.5, 0.0, 9.0, 9.0, 10.0, 9.0];
//! let fit = SpatialTree.fit(Points::new(&data, 2)?, &FitParams::new(2))?;
//! assert_eq!(fit.labels, [0, 0, 1, 1]);
//! let facts = fit.details.get::<TreeFacts>().expect("the rung's facts");
//! assert_eq!(facts.method, SearchMethod::KdTree { dims: 2 });
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

use std::fmt;
use std::num::NonZero;

use kiddo::{ImmutableKdTree, SquaredEuclidean};
use ladder_core::{
    Checked, Details, Evaluations, Fit, MAX_CONST_DIMS, Points, Stage, StageError, Steps,
    assign_nearest, divide_sums, lloyd, nearest, sq_dist, update_means, with_dims,
};
use serde::{Serialize, Serializer};

/// The largest dimension the tree is compiled for (kiddo's dimension is a constant).
pub const MAX_TREE_DIMS: usize = MAX_CONST_DIMS;

/// A relative gap between the two nearest distances beyond which the tree's answer is
/// certain; rounding differences between distance formulas are below 1e-14 relative.
const CERTAIN_GAP: f64 = 1e-12;

/// The `spatial-tree` stage.
#[derive(Debug, Default, Clone, Copy)]
pub struct SpatialTree;

impl Stage for SpatialTree {
    fn name(&self) -> &'static str {
        "spatial-tree"
    }

    fn summary(&self) -> &'static str {
        "a kiddo KD-tree over the centers for the assignment, a group-by for the update (d <= 16)"
    }

    fn fit_checked(&self, checked: &Checked<'_>) -> Result<Fit, StageError> {
        let points = checked.points();
        Ok(with_dims!(points.d(),
            D => lloyd(checked, &mut TreeSteps::<D>::new(points)),
            _ => lloyd(checked, &mut ScanSteps(points)),
        ))
    }
}

/// How a `spatial-tree` fit found each point's nearest center.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchMethod {
    /// A kiddo KD-tree over the centers, in `dims` dimensions.
    KdTree {
        /// The points' dimension, a constant of the tree's type.
        dims: usize,
    },
    /// An exact scan of every center: `dims` is above [`MAX_TREE_DIMS`].
    Scan {
        /// The points' dimension.
        dims: usize,
    },
}

impl fmt::Display for SearchMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SearchMethod::KdTree { dims } => {
                write!(f, "kd-tree (kiddo ImmutableKdTree<f64, {dims}>)")
            }
            SearchMethod::Scan { dims } => write!(
                f,
                "exact scan of all centers: d = {dims} is above the {MAX_TREE_DIMS} dimensions the KD-tree is compiled for"
            ),
        }
    }
}

impl Serialize for SearchMethod {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// What a `spatial-tree` fit reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TreeFacts {
    /// The tree, or the scan beyond [`MAX_TREE_DIMS`].
    pub method: SearchMethod,
    /// Points whose two nearest centers were too close to trust the tree, settled by an
    /// exact scan (tree fits only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tie_rechecks: Option<u64>,
    /// Passes in which kiddo refused to build the tree and the scan stood in.
    #[serde(skip_serializing_if = "is_zero")]
    pub tree_builds_failed: u64,
}

fn is_zero(x: &u64) -> bool {
    *x == 0
}

/// The tree rung for points of `D` features.
struct TreeSteps<'a, const D: usize> {
    points: &'a [[f64; D]],
    tie_rechecks: u64,
    tree_builds_failed: u64,
}

impl<'a, const D: usize> TreeSteps<'a, D> {
    fn new(points: Points<'a>) -> Self {
        let (rows, rest) = points.as_slice().as_chunks::<D>();
        debug_assert!(rest.is_empty());
        Self {
            points: rows,
            tie_rechecks: 0,
            tree_builds_failed: 0,
        }
    }
}

impl<const D: usize> Steps for TreeSteps<'_, D> {
    fn assign(&mut self, centers: &[f64], labels: &mut [u32]) {
        let (center_rows, _) = centers.as_chunks::<D>();
        let Ok(tree) = ImmutableKdTree::<f64, D>::new_from_slice(center_rows) else {
            // kiddo refused to build (it never should for finite centers): stay exact.
            self.tree_builds_failed += 1;
            let flat = self.points.as_flattened();
            assign_nearest(Points::new(flat, D).expect("D > 0"), centers, labels);
            return;
        };
        let two = NonZero::new(2).expect("2 > 0");
        for (label, point) in labels.iter_mut().zip(self.points) {
            let found = tree
                .query(point)
                .nearest_n::<SquaredEuclidean<f64>>(two)
                .execute();
            let exact = |i: usize| {
                let j = found[i].item as usize;
                (j, sq_dist(point, &center_rows[j]))
            };
            *label = match found.len() {
                1 => found[0].item,
                _ => {
                    let ((first, d1), (_, d2)) = (exact(0), exact(1));
                    if d2 > d1 + d1 * CERTAIN_GAP + f64::MIN_POSITIVE {
                        first as u32
                    } else {
                        self.tie_rechecks += 1;
                        nearest(point, centers).0
                    }
                }
            };
        }
    }

    fn update(&mut self, labels: &[u32], centers: &mut [f64]) {
        let k = centers.len() / D;
        // groupby(labels): bucket the point indices by label, each bucket in point order.
        let mut starts = vec![0usize; k + 1];
        for &l in labels {
            starts[l as usize + 1] += 1;
        }
        for j in 0..k {
            starts[j + 1] += starts[j];
        }
        let mut next = starts.clone();
        let mut order = vec![0u32; labels.len()];
        for (i, &l) in labels.iter().enumerate() {
            order[next[l as usize]] = i as u32;
            next[l as usize] += 1;
        }
        // .mean(): each group's sum in point order, over its size.
        let mut sums = vec![0.0; k * D];
        let mut counts = vec![0u64; k];
        for (j, (sum, count)) in sums.chunks_exact_mut(D).zip(&mut counts).enumerate() {
            let group = &order[starts[j]..starts[j + 1]];
            for &i in group {
                for (s, x) in sum.iter_mut().zip(&self.points[i as usize]) {
                    *s += x;
                }
            }
            *count = group.len() as u64;
        }
        divide_sums(&sums, &counts, centers);
    }

    /// The tree's own distance computations are kiddo's, and not counted.
    fn evaluations(&self) -> Evaluations {
        Evaluations::Unknown
    }

    fn details(&self) -> Details {
        Details::new(TreeFacts {
            method: SearchMethod::KdTree { dims: D },
            tie_rechecks: Some(self.tie_rechecks),
            tree_builds_failed: self.tree_builds_failed,
        })
    }
}

/// Beyond [`MAX_TREE_DIMS`]: an exact scan of every center, the plain per-cluster mean.
struct ScanSteps<'a>(Points<'a>);

impl Steps for ScanSteps<'_> {
    fn assign(&mut self, centers: &[f64], labels: &mut [u32]) {
        assign_nearest(self.0, centers, labels);
    }

    fn update(&mut self, labels: &[u32], centers: &mut [f64]) {
        update_means(self.0, labels, centers);
    }

    fn details(&self) -> Details {
        Details::new(TreeFacts {
            method: SearchMethod::Scan { dims: self.0.d() },
            tie_rechecks: None,
            tree_builds_failed: 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ladder_core::FitParams;

    fn facts(fit: &Fit) -> &TreeFacts {
        fit.details.get::<TreeFacts>().expect("tree facts")
    }

    #[test]
    fn exact_ties_go_to_the_lowest_index() {
        // (0, 0) is at distance 1 from four centers; index 1 must win whatever the tree says.
        let data = [0.0, 0.0, 5.0, 5.0, 6.0, 6.0, 7.0, 7.0, 8.0, 8.0];
        let centers = vec![5.0, 5.0, 0.0, -1.0, 1.0, 0.0, -1.0, 0.0, 0.0, 1.0];
        let params = FitParams::new(5).initial_centers(centers).max_iter(1);
        let fit = SpatialTree.fit(Points::new(&data, 2).unwrap(), &params);
        let fit = fit.unwrap();
        assert_eq!(fit.labels, vec![1, 0, 0, 0, 0]);
        assert!(facts(&fit).tie_rechecks.unwrap() >= 1);
    }

    #[test]
    fn high_dimensions_fall_back_and_say_so() {
        for d in [17, 64] {
            let data: Vec<f64> = (0..d * 30).map(|i| ((i * 7) % 13) as f64).collect();
            let fit = SpatialTree
                .fit(Points::new(&data, d).unwrap(), &FitParams::new(3))
                .unwrap();
            let method = facts(&fit).method.to_string();
            assert!(method.contains("exact scan") && method.contains(&format!("d = {d}")));
            assert_eq!(facts(&fit).method, SearchMethod::Scan { dims: d });
        }
        let data = [0.0; 32];
        let fit = SpatialTree
            .fit(Points::new(&data, 16).unwrap(), &FitParams::new(1))
            .unwrap();
        assert!(facts(&fit).method.to_string().contains("kd-tree"));
        assert_eq!(facts(&fit).method, SearchMethod::KdTree { dims: 16 });
    }
}
