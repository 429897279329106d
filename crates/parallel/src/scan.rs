//! The kernels' second seam, for engines that keep their own per-point state (the
//! `pruned` rung's bounds): the exact top-two scan of chosen rows and the vectorised test
//! of bounds over groups of 8 points, each compiled per instruction set like the
//! assignment kernel and picked for this CPU at run time.

use crate::Simd;
use crate::isa::Kernel;
use crate::kernel::{Pending, Swept, Top2, Top2Gaps};

/// The kernels this CPU runs best, for callers that drive them point by point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kernels(Kernel);

impl Kernels {
    /// The best kernels this CPU runs.
    pub fn detect() -> Self {
        Self(Kernel::detect())
    }

    /// The portable kernels, which every CPU runs (to test the others against).
    pub fn portable() -> Self {
        Self(Kernel::BASELINE)
    }

    /// The instruction set they were compiled for.
    pub fn simd(self) -> Simd {
        self.0.simd()
    }

    /// The contract's exact squared distances from each `pending` point to every one of
    /// the `k × d` `centers`, reduced to the nearest center and the two smallest
    /// distances (square roots, widened by `out.slack`). `scratch` holds at least `16 d`
    /// values. The points are packed 16 at a time, so the scan runs at the vector width.
    pub fn top2(
        self,
        pending: Pending<'_>,
        centers: &[f64],
        d: usize,
        scratch: &mut [f64],
        out: Top2<'_>,
    ) {
        self.0.top2(pending, centers, d, scratch, out)
    }

    /// [`Kernels::top2`], written as Hamerly's bounds are stored ([`Top2Gaps`]): the
    /// label, and the gap between the two distances widened by the slack and offset by
    /// the label's entries of the offsets, rounded down to single precision, all in
    /// vectors.
    pub fn top2_gaps(
        self,
        pending: Pending<'_>,
        centers: &[f64],
        d: usize,
        scratch: &mut [f64],
        out: Top2Gaps<'_>,
    ) {
        self.0.top2(pending, centers, d, scratch, out)
    }

    /// The contract's exact squared distance from each `pending` point to its own center,
    /// `centers[labels[p]]` (`labels` has one entry per pending point), into `out`, 8
    /// points at a time. `scratch` holds at least `16 d` values.
    pub fn own_distances(
        self,
        pending: Pending<'_>,
        (centers, labels): (&[f64], &[u32]),
        d: usize,
        scratch: &mut [f64],
        out: &mut [f64],
    ) {
        self.0
            .pair_rows(pending, (centers, labels), d, scratch, out)
    }

    /// The bounds' test over consecutive groups of 8 points: each point keeps its label
    /// when its bounds pass ([`Swept`]: `upper + threshold[label] + margin < lower`, or
    /// `threshold[label] + margin < gap`); the index of every other point is written,
    /// in order, to the front of `pending` (which needs 8 spare slots past the points),
    /// without a branch. Returns how many were written. `threshold` is padded to a
    /// multiple of 8 values.
    pub fn sweep(
        self,
        groups: Swept<'_>,
        threshold: &[f64],
        margin: f64,
        pending: &mut [u32],
    ) -> usize {
        self.0.sweep(groups, threshold, margin, pending)
    }
}
