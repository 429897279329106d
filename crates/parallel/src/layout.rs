//! The kernel's seam: points laid out for the kernel ([`Layout`]) and one call that
//! labels them and takes their per-cluster sums ([`Layout::assign_and_sum`]). The
//! `parallel` stage builds one layout per fit and calls it per block of points from
//! rayon's threads; other engines (the distributed stage) build one per chunk of points
//! and call it from their workers.

use ladder_core::{Points, with_dims};

use crate::accumulate::{accumulate, accumulate_groups};
use crate::isa::Kernel;
use crate::kernel::{Block, DotCenters, GroupedBlock, GroupedCenters, GroupedOut};
use crate::{DOT_MIN_DIMS, LANES};

/// Points laid out for the kernel — feature-major groups of [`LANES`], with their squared
/// norms — and the kernel chosen for this CPU.
pub struct Layout {
    /// `[group][feature][lane]`, the last group padded by repeating the last point.
    groups: Vec<f64>,
    /// `‖x‖²` of every point, `[group][lane]` (used by the dot-product kernel).
    norms: Vec<f64>,
    d: usize,
    kernel: Kernel,
    /// Whether the assignment uses the dot-product kernel (with exact re-checks).
    dot: bool,
}

impl Layout {
    /// Lays out `points` for the best kernel this CPU runs.
    pub fn new(points: Points<'_>) -> Self {
        Self::with_kernel(points, Kernel::detect())
    }

    /// Lays out `points` for `kernel`.
    pub(crate) fn with_kernel(points: Points<'_>, kernel: Kernel) -> Self {
        let mut layout = Self {
            groups: Vec::new(),
            norms: Vec::new(),
            d: points.d(),
            kernel,
            dot: kernel.has_fma() && points.d() >= DOT_MIN_DIMS,
        };
        layout.fill(points);
        layout
    }

    /// Lays out `points` (of the same dimension) in place of the points held, reusing
    /// the memory: for a caller that streams chunks through one layout.
    pub fn fill(&mut self, points: Points<'_>) {
        /// With the dimension `D` a constant (0: `d`), so that each row's copy unrolls.
        fn pack<const D: usize>(rows: &[f64], d: usize, groups: &mut [f64], norms: &mut [f64]) {
            let d = if D > 0 { D } else { d };
            let last = rows.len() / d - 1;
            let per_group = groups
                .chunks_exact_mut(d * LANES)
                .zip(norms.chunks_exact_mut(LANES));
            for (g, (group, norm)) in per_group.enumerate() {
                for (lane, norm) in norm.iter_mut().enumerate() {
                    let i = (g * LANES + lane).min(last);
                    let mut sum = 0.0;
                    for (t, &x) in rows[i * d..(i + 1) * d].iter().enumerate() {
                        group[t * LANES + lane] = x;
                        sum += x * x;
                    }
                    *norm = sum;
                }
            }
        }
        let (n, d) = (points.n(), points.d());
        assert_eq!(d, self.d, "a layout holds points of one dimension");
        let n_groups = n.div_ceil(LANES);
        self.groups.resize(n_groups * d * LANES, 0.0);
        self.norms.resize(n_groups * LANES, 0.0);
        let (rows, groups, norms) = (points.as_slice(), &mut self.groups[..], &mut self.norms[..]);
        with_dims!(d,
            D => pack::<D>(rows, d, groups, norms),
            _ => pack::<0>(rows, d, groups, norms),
        )
    }

    /// Labels every point (`rows` are the same points, row-major) with its nearest of
    /// `centers`, on this thread, and adds each point into its cluster's `sums` and
    /// `counts` in point order, a few hundred points at a time while they are in cache;
    /// returns how many points needed an exact re-check.
    pub fn assign_and_sum(
        &self,
        rows: &[f64],
        centers: &[f64],
        labels: &mut [u32],
        sums: &mut [f64],
        counts: &mut [u32],
    ) -> u64 {
        let dot = self.dot.then(|| DotCenters::new(centers, self.d));
        let block = Block {
            groups: &self.groups,
            norms: &self.norms,
            rows,
            labels,
        };
        assign_and_sum(self.kernel, block, centers, dot.as_ref(), (sums, counts))
    }

    /// For every point laid out (`rows` are the same points, row-major), its nearest of
    /// the `centers`, its distance to it rounded up, its distance to the nearest other
    /// center and to the nearest center of each group other than its own, rounded down,
    /// into `out` — the bounds a bound-keeping engine starts from. The same kernel as the assignment's: the
    /// contract's formula below [`DOT_MIN_DIMS`] features, `‖c‖² − 2x·c` with a proven
    /// error bound from there on (near ties settled exactly, so the labels are the
    /// contract's).
    pub fn scan_grouped(&self, rows: &[f64], centers: &GroupedCenters, out: GroupedOut<'_>) {
        let points = rows.len() / self.d;
        let groups = points.div_ceil(LANES);
        assert_eq!(out.bounds.len(), groups, "a group of bounds per 8 points");
        let block = GroupedBlock {
            groups: &self.groups[..groups * self.d * LANES],
            norms: &self.norms[..groups * LANES],
            rows,
            points,
            out,
        };
        self.kernel.grouped(block, centers, self.d, self.dot);
    }

    /// The groups, `[group][feature][lane]`.
    pub(crate) fn groups(&self) -> &[f64] {
        &self.groups
    }

    /// The points' squared norms, `[group][lane]`.
    pub(crate) fn norms(&self) -> &[f64] {
        &self.norms
    }

    /// The kernel the layout is for.
    pub(crate) fn kernel(&self) -> Kernel {
        self.kernel
    }

    /// Whether the assignment uses the dot-product kernel.
    pub(crate) fn uses_dot(&self) -> bool {
        self.dot
    }
}

/// Points per step of [`assign_and_sum`]: few enough that a step's points are still in
/// cache when their sums are taken.
const STEP: usize = 256;

/// Labels one block with the kernel and adds each point into its cluster's `sums` and
/// `counts` (in point order), [`STEP`] points at a time: with many features the sums
/// read the points from cache just after the kernel did, instead of streaming them from
/// memory once more. Returns the exact re-checks.
pub(crate) fn assign_and_sum(
    kernel: Kernel,
    block: Block<'_>,
    centers: &[f64],
    dot: Option<&DotCenters>,
    (sums, counts): (&mut [f64], &mut [u32]),
) -> u64 {
    let d = centers.len().checked_div(counts.len()).unwrap_or(1);
    let steps = block
        .groups
        .chunks(STEP * d)
        .zip(block.norms.chunks(STEP))
        .zip(block.rows.chunks(STEP * d))
        .zip(block.labels.chunks_mut(STEP));
    let mut rechecks = 0;
    for (((groups, norms), rows), labels) in steps {
        let step = Block {
            groups,
            norms,
            rows,
            labels: &mut *labels,
        };
        rechecks += kernel.assign_block(step, centers, dot, d);
        // Few features: the rows are a short stream, and row-major adds are cheaper.
        if d < DOT_MIN_DIMS {
            accumulate(rows, labels, d, sums, counts);
        } else {
            accumulate_groups(groups, labels, d, sums, counts);
        }
    }
    rechecks
}
