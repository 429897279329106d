//! # Rung four: `parallel` — flat memory, a SIMD kernel, rayon
//!
//! **What it adds.** The seed's Cython and Numba rungs show what typed, flat memory buys;
//! its `prange` rung adds threads. This rung does all of it:
//!
//! - **Flat, SIMD-shaped memory** ([`Layout`]). At the start of a fit the points are
//!   copied once into groups of [`LANES`] = 8 points stored feature-major
//!   (`[group][feature][lane]`), so one load brings the same feature of 8 points into one
//!   512-bit register (two 256-bit ones on AVX2 machines).
//! - **A kernel written for 8 lanes** (`kernel.rs`). For each group, every center is
//!   compared with all 8 points at once: the squared differences are summed feature by
//!   feature, in order, from zero — the contract's formula, lane by lane, no fused
//!   multiply-add — and a branch-free `<` keeps the best center per lane, so the lowest
//!   index wins ties. From [`DOT_MIN_DIMS`] features on it computes `‖c‖² − 2x·c` with
//!   fused multiply-adds instead (matrix-product shaped), and re-checks with the exact
//!   formula every point whose two best centers are within a proven rounding margin. The
//!   dimension is a compile-time constant for d ≤ 16 (the feature loop unrolls), a
//!   run-time one beyond.
//! - **Run-time CPU dispatch** (`isa/`). The kernel is compiled three times — for
//!   AVX-512, for AVX2 and in portable Rust — and the best one the CPU supports is picked
//!   when the fit starts ([`ParallelFacts::kernel`]), so one binary runs on any x86-64
//!   without `-C target-cpu=native`.
//! - **Threads over fixed blocks.** rayon spreads blocks of [`BLOCK`] points over the
//!   threads of the current pool (`RAYON_NUM_THREADS`). Each block's per-cluster sums
//!   and counts are taken in point order in the same sweep as its labels, a few hundred
//!   points at a time while they are in cache (so the timing split shows them under the
//!   assignment); the update adds the blocks' partial sums in block order: the result does
//!   not depend on the number of threads or on scheduling, bit for bit. There is no
//!   allocation in the loop and no `n × k` temporary.
//! - **Small fits stay on one thread.** Below [`PARALLEL_WORK`] distance terms per pass
//!   (the seed's 5000 × 2, k = 10, is 100 000), a pass takes microseconds and waking a
//!   second core costs about as much as it saves.
//!
//! **What it costs.** A copy of the points (`n × d` doubles, padded to a multiple of 8
//! rows), a `blocks × k × d` array of partial sums, and thread synchronisation twice per
//! iteration. Because the blocks' sums are added in block order rather than in one
//! running sum, the centers can differ from `naive`'s by rounding (an ulp or so); the
//! labels and iterations are tested to be the same.
//!
//! **Where it wins, and where it stops.** Everywhere brute force is the right
//! algorithm — small k, or d too high for a tree — at a good share of the machine's FMA
//! peak. That is its ceiling: every pass computes all `n·k` distances. The next rung,
//! `pruned`, computes fewer, and calls this rung's kernels (the [`Layout`] and
//! [`Kernels`] seams) for the ones it still needs.
//!
//! ```
//! use ladder_core::{FitParams, Points, Stage};
//! use ladder_parallel::{Parallel, ParallelFacts};
//!
//! let data: Vec<f64> = (0..40_000).map(|i| (i % 100) as f64).collect();
//! let points = Points::new(&data, 4)?;
//! let fit = Parallel::new().fit(points, &FitParams::new(8).max_iter(3))?;
//! assert_eq!(fit.iterations, 3);
//! let facts = fit.details.get::<ParallelFacts>().expect("the rung's facts");
//! println!("kernel {:?}, {} threads", facts.kernel, facts.threads);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod accumulate;
mod isa;
mod kernel;
mod layout;
mod narrow;
mod prefetch;
mod round;
mod scan;

use ladder_core::{
    Checked, Details, Fit, Partial, Stage, StageError, Steps, lloyd, update_from_partials,
};
use rayon::prelude::*;
use serde::Serialize;

pub use accumulate::accumulate;
pub use kernel::{
    BoundsGroup, GapGroup, GroupedCenters, GroupedOut, Pending, Swept, Top2, Top2Gaps,
};
pub use layout::Layout;
pub use narrow::{NARROW_LIMIT, NarrowLayout};
pub use prefetch::prefetch;
pub use round::{f32_down, f32_up};
pub use scan::Kernels;

use crate::kernel::{Block, DotCenters};
use crate::layout::assign_and_sum;

/// Points per SIMD group.
pub const LANES: usize = 8;

/// Points per rayon task and per partial-sum block (a multiple of [`LANES`]).
pub const BLOCK: usize = 4096;

/// Below this many distance terms (`n × k × d`) per iteration, a fit stays on one thread:
/// dispatching to the pool would cost more than it saves.
pub const PARALLEL_WORK: usize = 1 << 20;

/// From this many features on, the assignment uses the dot-product kernel.
pub const DOT_MIN_DIMS: usize = 8;

/// The `parallel` stage. It uses the current rayon thread pool.
#[derive(Debug, Default, Clone, Copy)]
pub struct Parallel;

impl Parallel {
    /// The stage.
    pub const fn new() -> Self {
        Self
    }
}

/// Distance terms (`n × k × d`) of one pass.
fn work(n: usize, k: usize, d: usize) -> usize {
    n.saturating_mul(k).saturating_mul(d)
}

/// Whether a fit of `n × d` points with `k` centers is worth spreading over threads.
fn worth_threads(n: usize, k: usize, d: usize) -> bool {
    work(n, k, d) >= PARALLEL_WORK && n > BLOCK
}

impl Stage for Parallel {
    fn name(&self) -> &'static str {
        "parallel"
    }

    fn summary(&self) -> &'static str {
        "flat feature-major memory, a SIMD kernel picked at run time (AVX-512/AVX2), rayon over fixed blocks: brute force near the FMA peak"
    }

    fn fit_checked(&self, checked: &Checked<'_>) -> Result<Fit, StageError> {
        let (points, k) = (checked.points(), checked.params().k);
        Ok(lloyd(checked, &mut ParallelSteps::new(points, k)))
    }
}

/// Labels every point with its nearest of the `k × d` row-major `centers` — the
/// contract's rule, the lowest index winning a tie — with this rung's kernel and
/// threads: one assignment pass, what assigning new points to a fitted model needs.
/// `labels` has one entry per point.
pub fn predict(points: ladder_core::Points<'_>, centers: &[f64], labels: &mut [u32]) {
    let k = centers.len() / points.d();
    assert_eq!(labels.len(), points.n(), "a label per point");
    assert!(
        k > 0 && k * points.d() == centers.len(),
        "k ≥ 1 whole centers"
    );
    ParallelSteps::new(points, k).assign(centers, labels);
}

/// The instruction set a kernel was compiled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Simd {
    /// AVX-512F with FMA.
    Avx512,
    /// AVX2 with FMA.
    Avx2,
    /// Portable Rust, for any CPU.
    Baseline,
}

/// How a fit computed its distances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Method {
    /// The contract's formula, every point against every center.
    #[serde(rename = "exact squared differences")]
    ExactSquaredDifferences,
    /// `‖c‖² − 2x·c` with FMAs, near-ties settled by the contract's formula.
    #[serde(rename = "dot products ‖c‖² − 2x·c with FMA, near-ties re-checked exactly")]
    DotProducts,
}

/// What a brute-force `parallel` fit reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParallelFacts {
    /// The kernel the CPU ran.
    pub kernel: Simd,
    /// Exact squared differences, or dot products with re-checks.
    pub method: Method,
    /// Points whose two nearest centers were too close for the dot-product kernel, all
    /// passes together (dot-product fits only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tie_rechecks: Option<u64>,
    /// Threads the fit ran on.
    pub threads: usize,
}

/// One block's work in the assignment: groups, norms, rows, labels, and the partial sums
/// and counts it fills (as zipped).
type AssignTask<'a> = (
    (((&'a [f64], &'a [f64]), &'a [f64]), &'a mut [u32]),
    (&'a mut [f64], &'a mut [u32]),
);

struct ParallelSteps<'a> {
    /// The points, row-major, `n × d`, fitted with `k` clusters.
    rows: &'a [f64],
    d: usize,
    k: usize,
    layout: Layout,
    parallel: bool,
    /// Points whose two nearest centers were too close for the dot-product kernel.
    tie_rechecks: u64,
    /// `blocks × k × d` partial sums and `blocks × k` counts, reused every iteration.
    partial_sums: Vec<f64>,
    partial_counts: Vec<u32>,
}

impl<'a> ParallelSteps<'a> {
    fn new(points: ladder_core::Points<'a>, k: usize) -> Self {
        let (n, d) = (points.n(), points.d());
        let blocks = n.div_ceil(BLOCK);
        Self {
            rows: points.as_slice(),
            d,
            k,
            layout: Layout::new(points),
            tie_rechecks: 0,
            parallel: worth_threads(n, k, d),
            partial_sums: vec![0.0; blocks * k * d],
            partial_counts: vec![0; blocks * k],
        }
    }
}

impl Steps for ParallelSteps<'_> {
    fn assign(&mut self, centers: &[f64], labels: &mut [u32]) {
        let (layout, d, k) = (&self.layout, self.d, self.k);
        let dot = layout.uses_dot().then(|| DotCenters::new(centers, d));
        let kernel = layout.kernel();
        // Each block's labels, then its partial sums, in one sweep (see `assign_and_sum`).
        let work = |((((groups, norms), rows), labels), (sums, counts)): AssignTask<'_>| {
            sums.fill(0.0);
            counts.fill(0);
            let block = Block {
                groups,
                norms,
                rows,
                labels,
            };
            assign_and_sum(kernel, block, centers, dot.as_ref(), (sums, counts))
        };
        let (groups, norms) = (layout.groups(), layout.norms());
        let group_block = BLOCK * d;
        let rechecks: u64 = if self.parallel {
            groups
                .par_chunks(group_block)
                .zip(norms.par_chunks(BLOCK))
                .zip(self.rows.par_chunks(BLOCK * d))
                .zip(labels.par_chunks_mut(BLOCK))
                .zip(
                    self.partial_sums
                        .par_chunks_mut(k * d)
                        .zip(self.partial_counts.par_chunks_mut(k)),
                )
                .map(work)
                .sum()
        } else {
            groups
                .chunks(group_block)
                .zip(norms.chunks(BLOCK))
                .zip(self.rows.chunks(BLOCK * d))
                .zip(labels.chunks_mut(BLOCK))
                .zip(
                    self.partial_sums
                        .chunks_mut(k * d)
                        .zip(self.partial_counts.chunks_mut(k)),
                )
                .map(work)
                .sum()
        };
        self.tie_rechecks += rechecks;
    }

    /// The blocks' partial sums were taken in the assignment's sweep, from these labels;
    /// what is left is adding them up, in block order.
    fn update(&mut self, _labels: &[u32], centers: &mut [f64]) {
        let (d, k) = (self.d, self.k);
        // Blocks in order: the same sums whatever the number of threads.
        let blocks = self
            .partial_sums
            .chunks_exact(k * d)
            .zip(self.partial_counts.chunks_exact(k))
            .map(|(sums, counts)| Partial { sums, counts });
        update_from_partials(blocks, centers);
    }

    fn details(&self) -> Details {
        let dot = self.layout.uses_dot();
        Details::new(ParallelFacts {
            kernel: self.layout.kernel().simd(),
            method: if dot {
                Method::DotProducts
            } else {
                Method::ExactSquaredDifferences
            },
            tie_rechecks: dot.then_some(self.tie_rechecks),
            threads: if self.parallel {
                rayon::current_num_threads()
            } else {
                1
            },
        })
    }
}

#[cfg(test)]
mod tests;
