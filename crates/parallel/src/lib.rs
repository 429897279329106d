//! # Rung four: `parallel` — flat memory, a SIMD kernel, rayon
//!
//! **What it adds.** The seed's Cython and Numba rungs show what typed, flat memory buys;
//! its `prange` rung adds threads. This rung does all of it:
//!
//! - **Flat, SIMD-shaped memory.** At the start of a fit the points are copied once into
//!   groups of [`LANES`] = 8 points stored feature-major (`[group][feature][lane]`), so
//!   one load brings the same feature of 8 points into one 512-bit register (two 256-bit
//!   ones on AVX2 machines).
//! - **A kernel the compiler vectorises.** For each group, every center is compared with
//!   all 8 points at once: the squared differences are summed feature by feature, in
//!   order, from zero — the contract's formula, lane by lane, no fused multiply-add — and
//!   a branch-free `<` keeps the best center per lane, so the lowest index wins ties. The
//!   dimension is a compile-time constant for d ≤ 16 (the feature loop unrolls), a
//!   run-time one beyond.
//! - **Run-time CPU dispatch.** The kernel is compiled three times — for AVX-512, for
//!   AVX2 and for baseline x86-64 — and the best one the CPU supports is picked when the
//!   fit starts (`details.kernel`), so one binary runs on any x86-64 without
//!   `-C target-cpu=native`.
//! - **Threads over fixed blocks.** rayon spreads blocks of [`BLOCK`] points over the
//!   threads of the current pool (`RAYON_NUM_THREADS`). Each block's per-cluster sums
//!   and counts are taken in point order in the same sweep as its labels, a few hundred
//!   points at a time while they are in cache (so the timing split shows them under the
//!   assignment); the update adds the blocks' partial sums in block order: the result does
//!   not depend on the number of threads or on scheduling, bit for bit. There is no
//!   allocation in the loop and no `n × k` temporary.
//! - **Small fits: less work instead of more threads.** Below [`PARALLEL_WORK`] distance
//!   terms per pass (the seed's 5000 × 2, k = 10, is 100 000), a pass takes microseconds
//!   and waking a second core costs about as much as it saves. There the stage runs on
//!   one thread with Hamerly's bounds (`bounds.rs`): a point whose bounds prove it keeps
//!   its center is not scanned at all, and only the points that changed cluster update
//!   the sums. `Parallel::brute_force()` turns this off.
//!
//! **What it costs.** A copy of the points (`n × d` doubles, padded to a multiple of 8
//! rows), a `blocks × k × d` array of partial sums, and thread synchronisation twice per
//! iteration — which is why work smaller than [`PARALLEL_WORK`] distance terms per
//! iteration stays on one thread and uses bounds instead (two per point). Because the
//! blocks' sums are added in block order rather than in one running sum (and the bounds
//! path updates its sums incrementally), the centers can differ from `naive`'s by
//! rounding (an ulp or so); the labels and iterations are tested to be the same.
//!
//! **Where it wins.** Everywhere brute force is the right algorithm — small k, or d too
//! high for a tree — which is most k-means workloads. It is the fastest rung.

mod bounds;

use ladder_core::{Fit, FitError, FitParams, Points, Stage, Steps, fit_with, nearest};
use rayon::prelude::*;
use serde_json::{Map, Value};

/// Calls `f::<D>(args)` with the dimension `d` as the constant `D` where it is small (so
/// loops over the features unroll), else `f::<0>(args)`, which reads `d` at run time.
macro_rules! with_dims {
    ($d:expr, $f:ident($($arg:expr),*)) => {
        match $d {
            1 => $f::<1>($($arg),*),
            2 => $f::<2>($($arg),*),
            3 => $f::<3>($($arg),*),
            4 => $f::<4>($($arg),*),
            5 => $f::<5>($($arg),*),
            6 => $f::<6>($($arg),*),
            7 => $f::<7>($($arg),*),
            8 => $f::<8>($($arg),*),
            16 => $f::<16>($($arg),*),
            _ => $f::<0>($($arg),*),
        }
    };
}

/// Calls `module::f(args)` for the module compiled for `kernel`.
macro_rules! dispatch {
    ($kernel:expr, $f:ident($($arg:expr),*)) => {
        match $kernel {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Kernel::detect` chose this variant because the CPU has AVX-512F, FMA
            // and POPCNT.
            Kernel::Avx512 => unsafe { avx512::$f($($arg),*) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above, for AVX2, FMA and POPCNT.
            Kernel::Avx2 => unsafe { avx2::$f($($arg),*) },
            _ => portable::$f($($arg),*),
        }
    };
}

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
pub struct Parallel {
    bounds: Bounds,
}

/// Whether a fit too small for threads uses Hamerly's bounds (see [`bounds`]).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Bounds {
    /// Bounds on one thread below [`PARALLEL_WORK`] distance terms per pass; brute force
    /// above it (threaded when there is more than one block).
    #[default]
    Auto,
    /// Brute force always, threaded above [`PARALLEL_WORK`].
    Off,
}

impl Parallel {
    /// The stage as the ladder runs it: bounds for small fits, brute force for the rest.
    pub const fn new() -> Self {
        Self {
            bounds: Bounds::Auto,
        }
    }

    /// Brute force for every fit, to measure or test that path on small data.
    pub const fn brute_force() -> Self {
        Self {
            bounds: Bounds::Off,
        }
    }
}

/// Whether a fit of `n × d` points with `k` centers is worth spreading over threads.
fn worth_threads(n: usize, k: usize, d: usize) -> bool {
    n.saturating_mul(k).saturating_mul(d) >= PARALLEL_WORK && n > BLOCK
}

impl Stage for Parallel {
    fn name(&self) -> &'static str {
        "parallel"
    }

    fn summary(&self) -> &'static str {
        "flat feature-major memory, a SIMD kernel picked at run time (AVX-512/AVX2), rayon over fixed blocks; small fits: Hamerly's bounds on one thread"
    }

    fn fit(&self, points: Points<'_>, params: &FitParams) -> Result<Fit, FitError> {
        let (n, d, k) = (points.n(), points.d(), params.k);
        if self.bounds == Bounds::Auto && n.saturating_mul(k).saturating_mul(d) < PARALLEL_WORK {
            fit_with(points, params, |points, params| {
                Ok(bounds::BoundsSteps::new(points, params.k))
            })
        } else {
            fit_with(points, params, |points, params| {
                Ok(ParallelSteps::new(points, params.k))
            })
        }
    }
}

/// Which compiled version of the kernel runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kernel {
    Avx512,
    Avx2,
    Baseline,
}

impl Kernel {
    /// The best kernel this CPU runs. Both vector kernels are compiled with FMA and
    /// POPCNT too, so they need those as well.
    fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            if has!("fma") && has!("popcnt") {
                if has!("avx512f") {
                    return Kernel::Avx512;
                }
                if has!("avx2") {
                    return Kernel::Avx2;
                }
            }
        }
        Kernel::Baseline
    }

    /// The dot-product kernel needs fused multiply-add in hardware: the vector kernels.
    fn has_fma(self) -> bool {
        self != Kernel::Baseline
    }

    /// The exact top-two scan ([`bounds`]) with this kernel.
    fn top2(
        self,
        rows: &[f64],
        idx: &[u32],
        centers: &[f64],
        d: usize,
        scratch: &mut [f64],
        out: Top2<'_>,
    ) {
        dispatch!(self, top2(rows, idx, centers, d, scratch, out))
    }

    /// The bounds' test ([`bounds`]) with this kernel.
    fn sweep(
        self,
        groups: &[BoundsGroup],
        threshold: &[f64],
        margin: f64,
        pending: &mut [u32],
    ) -> usize {
        dispatch!(self, sweep(groups, threshold, margin, pending))
    }

    fn name(self) -> &'static str {
        match self {
            Kernel::Avx512 => "avx512",
            Kernel::Avx2 => "avx2",
            Kernel::Baseline => "baseline",
        }
    }
}

/// One block's work in the assignment: groups, norms, rows, labels, and the partial sums
/// and counts it fills (as zipped).
type AssignTask<'a> = (
    (((&'a [f64], &'a [f64]), &'a [f64]), &'a mut [u32]),
    (&'a mut [f64], &'a mut [u32]),
);

struct ParallelSteps<'a> {
    points: Points<'a>,
    layout: Layout,
    parallel: bool,
    /// Points whose two nearest centers were too close for the dot-product kernel.
    tie_rechecks: u64,
    /// `blocks × k × d` partial sums and `blocks × k` counts, reused every iteration.
    partial_sums: Vec<f64>,
    partial_counts: Vec<u32>,
}

impl<'a> ParallelSteps<'a> {
    fn new(points: Points<'a>, k: usize) -> Self {
        let (n, d) = (points.n(), points.d());
        let blocks = n.div_ceil(BLOCK);
        Self {
            points,
            layout: Layout::new(points),
            tie_rechecks: 0,
            parallel: worth_threads(n, k, d),
            partial_sums: vec![0.0; blocks * k * d],
            partial_counts: vec![0; blocks * k],
        }
    }
}

/// Points laid out for the kernel — feature-major groups of [`LANES`], with their squared
/// norms — and the kernel chosen for this CPU. `parallel` builds one per fit; other rungs
/// (the distributed stage) build one per chunk of points.
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
    pub fn new(points: Points<'_>) -> Self {
        let kernel = Kernel::detect();
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
        with_dims!(d, pack(rows, d, groups, norms))
    }

    /// Labels every point (`rows` are the same points, row-major) with its nearest of
    /// `centers`, on this thread, and adds each point into its cluster's `sums` and
    /// `counts` in point order, a few hundred points at a time while they are in cache; returns how many points needed
    /// an exact re-check.
    pub fn assign_and_sum(
        &self,
        rows: &[f64],
        centers: &[f64],
        labels: &mut [u32],
        sums: &mut [f64],
        counts: &mut [u32],
    ) -> u64 {
        let d = self.d;
        let dot = self.dot.then(|| DotCenters::new(centers, d));
        let block = Block {
            groups: &self.groups,
            norms: &self.norms,
            rows,
            labels,
        };
        assign_and_sum(self.kernel, block, centers, dot.as_ref(), (sums, counts))
    }
}

/// The contract's update from per-block partials: each cluster's sums and counts added
/// block by block in the order given, then divided; an empty cluster keeps its center.
/// Each partial is `(sums: k × d, counts: k)`.
pub fn means_from_partials<'a>(
    partials: impl IntoIterator<Item = (&'a [f64], &'a [u32])>,
    centers: &mut [f64],
) {
    let mut sums = vec![0.0; centers.len()];
    let mut counts: Vec<u64> = Vec::new();
    for (s, c) in partials {
        counts.resize(c.len(), 0);
        for (a, b) in sums.iter_mut().zip(s) {
            *a += b;
        }
        for (a, &b) in counts.iter_mut().zip(c) {
            *a += u64::from(b);
        }
    }
    if counts.is_empty() {
        return;
    }
    let d = centers.len() / counts.len();
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

/// Points per step of [`assign_and_sum`]: few enough that a step's points are still in
/// cache when their sums are taken.
const STEP: usize = 256;

/// Labels one block with the kernel and adds each point into its cluster's `sums` and
/// `counts` (in point order), [`STEP`] points at a time: with many features the sums
/// read the points from cache just after the kernel did, instead of streaming them from
/// memory once more. Returns the exact re-checks.
fn assign_and_sum(
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
        rechecks += assign_block(kernel, step, centers, dot, d);
        // Few features: the rows are a short stream, and row-major adds are cheaper.
        if d < DOT_MIN_DIMS {
            accumulate(rows, labels, d, sums, counts);
        } else {
            accumulate_groups(groups, labels, d, sums, counts);
        }
    }
    rechecks
}

/// [`accumulate`] from points laid out in groups (`[group][feature][lane]`): the same
/// additions in the same order, so the same sums, bit for bit.
fn accumulate_groups(
    groups: &[f64],
    labels: &[u32],
    d: usize,
    sums: &mut [f64],
    counts: &mut [u32],
) {
    /// With the dimension `D` a constant (0: `d`), so that each point's adds unroll.
    fn run<const D: usize>(
        groups: &[f64],
        labels: &[u32],
        d: usize,
        sums: &mut [f64],
        counts: &mut [u32],
    ) {
        let d = if D > 0 { D } else { d };
        for (group, labels) in groups.chunks_exact(d * LANES).zip(labels.chunks(LANES)) {
            for (lane, &l) in labels.iter().enumerate() {
                let l = l as usize;
                counts[l] += 1;
                for (t, s) in sums[l * d..(l + 1) * d].iter_mut().enumerate() {
                    *s += group[t * LANES + lane];
                }
            }
        }
    }
    with_dims!(d, run(groups, labels, d, sums, counts))
}

/// Adds each row into its cluster's sum (in point order) and counts it.
pub fn accumulate(rows: &[f64], labels: &[u32], d: usize, sums: &mut [f64], counts: &mut [u32]) {
    /// With the dimension `D` a constant (0: `d`), so that each row's adds unroll.
    fn rows_of<const D: usize>(
        rows: &[f64],
        labels: &[u32],
        d: usize,
        sums: &mut [f64],
        counts: &mut [u32],
    ) {
        let d = if D > 0 { D } else { d };
        for (row, &l) in rows.chunks_exact(d).zip(labels) {
            let l = l as usize;
            counts[l] += 1;
            for (s, x) in sums[l * d..(l + 1) * d].iter_mut().zip(row) {
                *s += x;
            }
        }
    }
    with_dims!(d, rows_of(rows, labels, d, sums, counts))
}

impl Steps for ParallelSteps<'_> {
    fn assign(&mut self, centers: &[f64], labels: &mut [u32]) {
        let d = self.points.d();
        let k = centers.len() / d;
        let layout = &self.layout;
        let dot = layout.dot.then(|| DotCenters::new(centers, d));
        let (kernel, points) = (layout.kernel, self.points.as_slice());
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
        let group_block = BLOCK * d;
        let rechecks: u64 = if self.parallel {
            layout
                .groups
                .par_chunks(group_block)
                .zip(layout.norms.par_chunks(BLOCK))
                .zip(points.par_chunks(BLOCK * d))
                .zip(labels.par_chunks_mut(BLOCK))
                .zip(
                    self.partial_sums
                        .par_chunks_mut(k * d)
                        .zip(self.partial_counts.par_chunks_mut(k)),
                )
                .map(work)
                .sum()
        } else {
            layout
                .groups
                .chunks(group_block)
                .zip(layout.norms.chunks(BLOCK))
                .zip(points.chunks(BLOCK * d))
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
        let d = self.points.d();
        let k = centers.len() / d;
        // Blocks in order: the same sums whatever the number of threads.
        let blocks = self
            .partial_sums
            .chunks_exact(k * d)
            .zip(self.partial_counts.chunks_exact(k));
        means_from_partials(blocks, centers);
    }

    fn details(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("kernel".into(), self.layout.kernel.name().into());
        let method = if self.layout.dot {
            "dot products ‖c‖² − 2x·c with FMA, near-ties re-checked exactly"
        } else {
            "exact squared differences"
        };
        m.insert("method".into(), method.into());
        if self.layout.dot {
            m.insert("tie_rechecks".into(), self.tie_rechecks.into());
        }
        let threads = if self.parallel {
            rayon::current_num_threads()
        } else {
            1
        };
        m.insert("threads".into(), threads.into());
        m
    }
}

/// One block of points: its groups, norms, rows (for exact re-checks) and labels.
struct Block<'a> {
    groups: &'a [f64],
    norms: &'a [f64],
    rows: &'a [f64],
    labels: &'a mut [u32],
}

/// Where the top-two scan writes, point by point: the nearest center and the two
/// smallest distances.
struct Top2<'a> {
    /// The relative slack applied to the distances (see [`bounds`]).
    slack: f64,
    labels: &'a mut [u32],
    best: &'a mut [f64],
    second: &'a mut [f64],
}

/// For each 8-bit mask, the positions of its set bits, in order, then zeros.
const SET_LANES: [[u32; LANES]; 256] = {
    let mut table = [[0; LANES]; 256];
    let mut mask = 0;
    while mask < 256 {
        let (mut lane, mut len) = (0, 0);
        while lane < LANES {
            if mask >> lane & 1 == 1 {
                table[mask][len] = lane as u32;
                len += 1;
            }
            lane += 1;
        }
        mask += 1;
    }
    table
};

/// Eight points' clusters and lazy bounds (see [`bounds`]), side by side in memory.
#[derive(Debug, Clone, Copy, PartialEq)]
struct BoundsGroup {
    upper: [f64; LANES],
    lower: [f64; LANES],
    labels: [u32; LANES],
}

impl BoundsGroup {
    /// Lanes past the last point: `u = −∞`, `l = +∞`, so they always pass the test.
    const PADDING: Self = Self {
        upper: [f64::NEG_INFINITY; LANES],
        lower: [f64::INFINITY; LANES],
        labels: [0; LANES],
    };
}

/// The centers as the dot-product kernel wants them: times −2 (exact), padded to a
/// multiple of 4 rows (the padding has an infinite norm, so it never wins), with their
/// squared norms, so that `‖c‖² − 2x·c` is one chain of FMAs from `‖c‖²`.
struct DotCenters {
    /// `−2c`, row-major.
    centers: Vec<f64>,
    norms: Vec<f64>,
    max_norm: f64,
}

impl DotCenters {
    fn new(centers: &[f64], d: usize) -> Self {
        let k = centers.len() / d;
        let padded = k.next_multiple_of(4);
        let mut c: Vec<f64> = centers.iter().map(|x| -2.0 * x).collect();
        c.resize(padded * d, 0.0);
        let mut norms: Vec<f64> = centers
            .chunks_exact(d)
            .map(|c| c.iter().map(|x| x * x).sum())
            .collect();
        let max_norm = norms.iter().copied().fold(0.0, f64::max);
        norms.resize(padded, f64::INFINITY);
        Self {
            centers: c,
            norms,
            max_norm,
        }
    }
}

/// Labels one block with the kernel compiled for `kernel`; returns the exact re-checks.
fn assign_block(
    kernel: Kernel,
    block: Block<'_>,
    centers: &[f64],
    dot: Option<&DotCenters>,
    d: usize,
) -> u64 {
    dispatch!(kernel, assign_block(block, centers, dot, d))
}

/// The kernels for AVX-512: one `__m512d` holds the 8 lanes.
#[cfg(target_arch = "x86_64")]
mod avx512 {
    use super::{Block, BoundsGroup, DotCenters, LANES, SET_LANES, Top2, lanes, nearest};
    use std::arch::x86_64::*;

    macro_rules! isa {
        ($(#[$m:meta])* $v:vis fn $($rest:tt)*) => {
            $(#[$m])* #[target_feature(enable = "avx512f,fma,popcnt")] $v fn $($rest)*
        };
    }

    type V = __m512d;
    type M = __mmask8;
    /// Groups the dot kernel keeps in flight: 2 × 4 sums fit the 32 registers.
    const DOT_GROUPS: usize = 3;

    isa! { #[inline] fn splat(x: f64) -> V { _mm512_set1_pd(x) } }
    isa! { #[inline] fn load(x: &[f64; LANES]) -> V { unsafe { _mm512_loadu_pd(x.as_ptr()) } } }
    isa! { #[inline] fn add(a: V, b: V) -> V { _mm512_add_pd(a, b) } }
    isa! { #[inline] fn sub(a: V, b: V) -> V { _mm512_sub_pd(a, b) } }
    isa! { #[inline] fn mul(a: V, b: V) -> V { _mm512_mul_pd(a, b) } }
    isa! { #[inline] fn fmadd(a: V, b: V, c: V) -> V { _mm512_fmadd_pd(a, b, c) } }
    isa! { #[inline] fn min(a: V, b: V) -> V { _mm512_min_pd(a, b) } }
    isa! { #[inline] fn lt(a: V, b: V) -> M { _mm512_cmp_pd_mask::<_CMP_LT_OQ>(a, b) } }
    isa! { #[inline] fn select(m: M, a: V, b: V) -> V { _mm512_mask_blend_pd(m, b, a) } }
    isa! { #[inline] fn bits(m: M) -> u8 { m } }
    isa! { #[inline] fn sqrt(a: V) -> V { _mm512_sqrt_pd(a) } }
    isa! {
        /// `table[idx[l]]` in lane `l`; every index must be in bounds. A table of 8 or 16
        /// values is looked up with one permute, a longer one gathered from memory.
        #[inline]
        fn lookup(table: &[f64], idx: &[u32; LANES]) -> V {
            // SAFETY: each load reads 8 values of `table`; a permute only uses the low
            // bits of the indices; the gather is only reached after the assert that keeps
            // every address it reads inside `table`.
            unsafe {
                let lanes = _mm256_loadu_si256(idx.as_ptr().cast());
                let idx_in_table = || idx.iter().all(|&i| (i as usize) < table.len());
                match table.len() {
                    8 => {
                        let idx = _mm512_cvtepu32_epi64(lanes);
                        _mm512_permutexvar_pd(idx, _mm512_loadu_pd(table.as_ptr()))
                    }
                    16 => {
                        let idx = _mm512_cvtepu32_epi64(lanes);
                        let lo = _mm512_loadu_pd(table.as_ptr());
                        let hi = _mm512_loadu_pd(table.as_ptr().add(8));
                        _mm512_permutex2var_pd(lo, idx, hi)
                    }
                    _ => {
                        assert!(idx_in_table());
                        _mm512_i32gather_pd::<8>(lanes, table.as_ptr())
                    }
                }
            }
        }
    }
    isa! {
        #[inline]
        fn store(v: V) -> [f64; LANES] {
            let mut out = [0.0; LANES];
            unsafe { _mm512_storeu_pd(out.as_mut_ptr(), v) };
            out
        }
    }

    include!("kernel.rs");
}

/// The kernels for AVX2: two `__m256d` hold the 8 lanes.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{Block, BoundsGroup, DotCenters, LANES, SET_LANES, Top2, lanes, nearest};
    use std::arch::x86_64::*;

    macro_rules! isa {
        ($(#[$m:meta])* $v:vis fn $($rest:tt)*) => {
            $(#[$m])* #[target_feature(enable = "avx2,fma,popcnt")] $v fn $($rest)*
        };
    }

    #[derive(Clone, Copy)]
    struct V(__m256d, __m256d);
    type M = V;
    /// Groups the dot kernel keeps in flight: 4 sums (8 registers) of the 16.
    const DOT_GROUPS: usize = 1;

    isa! { #[inline] fn splat(x: f64) -> V { V(_mm256_set1_pd(x), _mm256_set1_pd(x)) } }
    isa! {
        #[inline]
        fn load(x: &[f64; LANES]) -> V {
            unsafe { V(_mm256_loadu_pd(x.as_ptr()), _mm256_loadu_pd(x.as_ptr().add(4))) }
        }
    }
    isa! { #[inline] fn add(a: V, b: V) -> V { V(_mm256_add_pd(a.0, b.0), _mm256_add_pd(a.1, b.1)) } }
    isa! { #[inline] fn sub(a: V, b: V) -> V { V(_mm256_sub_pd(a.0, b.0), _mm256_sub_pd(a.1, b.1)) } }
    isa! { #[inline] fn mul(a: V, b: V) -> V { V(_mm256_mul_pd(a.0, b.0), _mm256_mul_pd(a.1, b.1)) } }
    isa! {
        #[inline]
        fn fmadd(a: V, b: V, c: V) -> V {
            V(_mm256_fmadd_pd(a.0, b.0, c.0), _mm256_fmadd_pd(a.1, b.1, c.1))
        }
    }
    isa! { #[inline] fn min(a: V, b: V) -> V { V(_mm256_min_pd(a.0, b.0), _mm256_min_pd(a.1, b.1)) } }
    isa! {
        #[inline]
        fn lt(a: V, b: V) -> M {
            V(_mm256_cmp_pd::<_CMP_LT_OQ>(a.0, b.0), _mm256_cmp_pd::<_CMP_LT_OQ>(a.1, b.1))
        }
    }
    isa! {
        #[inline]
        fn select(m: M, a: V, b: V) -> V {
            V(_mm256_blendv_pd(b.0, a.0, m.0), _mm256_blendv_pd(b.1, a.1, m.1))
        }
    }
    isa! { #[inline] fn sqrt(a: V) -> V { V(_mm256_sqrt_pd(a.0), _mm256_sqrt_pd(a.1)) } }
    isa! {
        #[inline]
        fn bits(m: M) -> u8 {
            (_mm256_movemask_pd(m.0) | (_mm256_movemask_pd(m.1) << 4)) as u8
        }
    }
    isa! {
        /// `table[idx[l]]` in lane `l`; every index must be in bounds.
        #[inline]
        fn lookup(table: &[f64], idx: &[u32; LANES]) -> V {
            assert!(idx.iter().all(|&i| (i as usize) < table.len()));
            // SAFETY: the assert above keeps every gathered address inside `table`.
            unsafe {
                let lo = _mm_loadu_si128(idx.as_ptr().cast());
                let hi = _mm_loadu_si128(idx.as_ptr().add(4).cast());
                V(
                    _mm256_i32gather_pd::<8>(table.as_ptr(), lo),
                    _mm256_i32gather_pd::<8>(table.as_ptr(), hi),
                )
            }
        }
    }
    isa! {
        #[inline]
        fn store(v: V) -> [f64; LANES] {
            let mut out = [0.0; LANES];
            unsafe {
                _mm256_storeu_pd(out.as_mut_ptr(), v.0);
                _mm256_storeu_pd(out.as_mut_ptr().add(4), v.1);
            }
            out
        }
    }

    include!("kernel.rs");
}

/// The kernels in plain Rust, for CPUs without AVX2: `V` is an array of 8 lanes.
mod portable {
    use super::{Block, BoundsGroup, DotCenters, LANES, SET_LANES, Top2, lanes, nearest};

    macro_rules! isa {
        ($(#[$m:meta])* $v:vis fn $($rest:tt)*) => { $(#[$m])* $v fn $($rest)* };
    }

    type V = [f64; LANES];
    type M = u8;
    const DOT_GROUPS: usize = 1;

    fn map(a: V, b: V, f: impl Fn(f64, f64) -> f64) -> V {
        std::array::from_fn(|l| f(a[l], b[l]))
    }
    fn splat(x: f64) -> V {
        [x; LANES]
    }
    fn load(x: &[f64; LANES]) -> V {
        *x
    }
    fn add(a: V, b: V) -> V {
        map(a, b, |a, b| a + b)
    }
    fn sub(a: V, b: V) -> V {
        map(a, b, |a, b| a - b)
    }
    fn mul(a: V, b: V) -> V {
        map(a, b, |a, b| a * b)
    }
    fn fmadd(a: V, b: V, c: V) -> V {
        std::array::from_fn(|l| a[l].mul_add(b[l], c[l]))
    }
    fn min(a: V, b: V) -> V {
        map(a, b, |a, b| if b < a { b } else { a })
    }
    fn lt(a: V, b: V) -> M {
        (0..LANES).fold(0, |m, l| m | (u8::from(a[l] < b[l]) << l))
    }
    fn select(m: M, a: V, b: V) -> V {
        std::array::from_fn(|l| if m >> l & 1 == 1 { a[l] } else { b[l] })
    }
    fn store(v: V) -> [f64; LANES] {
        v
    }
    fn bits(m: M) -> u8 {
        m
    }
    fn sqrt(a: V) -> V {
        a.map(f64::sqrt)
    }
    fn lookup(table: &[f64], idx: &[u32; LANES]) -> V {
        idx.map(|i| table[i as usize])
    }

    include!("kernel.rs");
}

/// Feature `t` of a group's 8 points.
#[inline(always)]
fn lanes(xs: &[f64], t: usize) -> &[f64; LANES] {
    xs[t * LANES..(t + 1) * LANES]
        .try_into()
        .expect("a group holds LANES values per feature")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kernel_is_detected_and_named() {
        let data: Vec<f64> = (0..40).map(f64::from).collect();
        let fit = Parallel::new()
            .fit(Points::new(&data, 2).unwrap(), &FitParams::new(3))
            .unwrap();
        let kernel = fit.details["kernel"].as_str().unwrap();
        assert!(["avx512", "avx2", "baseline"].contains(&kernel));
    }

    #[test]
    fn every_kernel_variant_gives_the_same_labels() {
        for d in [5, 8, 20] {
            let n = 999;
            // Integer-valued data: many exact ties between centers.
            let data: Vec<f64> = (0..n * d).map(|i| ((i * 37) % 11) as f64).collect();
            let points = Points::new(&data, d).unwrap();
            let centers: Vec<f64> = data[..7 * d].to_vec();
            let mut want = vec![0; n];
            ladder_core::assign_nearest(points, &centers, &mut want);
            let steps = ParallelSteps::new(points, 7);
            let dot = DotCenters::new(&centers, d);
            let kernels = [
                (Kernel::Baseline, None),
                (steps.layout.kernel, None),
                (steps.layout.kernel, Some(&dot)),
            ];
            for (kernel, dot) in kernels {
                if dot.is_some() && !kernel.has_fma() {
                    continue;
                }
                let mut got = vec![0; n];
                let block = Block {
                    groups: &steps.layout.groups,
                    norms: &steps.layout.norms,
                    rows: &data,
                    labels: &mut got,
                };
                assign_block(kernel, block, &centers, dot, d);
                assert_eq!(got, want, "{kernel:?}, dot: {}, d = {d}", dot.is_some());
            }
        }
    }

    #[test]
    fn every_kernel_variant_gives_the_same_top_two_and_test() {
        let kernels = [Kernel::Baseline, Kernel::detect()];
        // 203 points end in a pair of groups, 197 in a single group.
        for (d, n) in [(1, 203), (3, 197), (17, 203)] {
            let data: Vec<f64> = (0..n * d).map(|i| ((i * 37) % 11) as f64 * 0.5).collect();
            let centers: Vec<f64> = data[..9 * d].to_vec();
            let idx: Vec<u32> = (0..n as u32).collect();
            let top2 = |kernel: Kernel| {
                let (mut labels, mut best, mut second) = (vec![0; n], vec![0.0; n], vec![0.0; n]);
                let mut scratch = vec![0.0; 2 * LANES * d];
                let out = Top2 {
                    slack: 1e-12,
                    labels: &mut labels,
                    best: &mut best,
                    second: &mut second,
                };
                kernel.top2(&data, &idx, &centers, d, &mut scratch, out);
                (labels, best, second)
            };
            let want = top2(Kernel::Baseline);
            let mut exact = vec![0; n];
            ladder_core::assign_nearest(Points::new(&data, d).unwrap(), &centers, &mut exact);
            assert_eq!(want.0, exact, "d = {d}");
            for kernel in kernels {
                assert_eq!(top2(kernel), want, "{kernel:?}, d = {d}");
            }
        }
        // The test over bounds: 8, 16 and 24 thresholds (permute and gather lookups).
        for k in [8, 16, 24] {
            let n: usize = 64;
            let labels: Vec<u32> = (0..n).map(|i| (i * 7 % k) as u32).collect();
            let upper: Vec<f64> = (0..n).map(|i| (i % 5) as f64).collect();
            let lower: Vec<f64> = (0..n).map(|i| (i % 3) as f64 + 1.5).collect();
            let threshold: Vec<f64> = (0..k).map(|j| (j % 4) as f64 * 0.25).collect();
            let groups: Vec<BoundsGroup> = (0..n / LANES)
                .map(|g| {
                    let lanes = g * LANES..(g + 1) * LANES;
                    BoundsGroup {
                        upper: upper[lanes.clone()].try_into().unwrap(),
                        lower: lower[lanes.clone()].try_into().unwrap(),
                        labels: labels[lanes].try_into().unwrap(),
                    }
                })
                .collect();
            let want: Vec<u32> = (0..n as u32)
                .filter(|&i| {
                    let i = i as usize;
                    upper[i] + threshold[labels[i] as usize] + 0.1 >= lower[i]
                })
                .collect();
            for kernel in kernels {
                let mut pending = vec![0; n + LANES];
                let len = kernel.sweep(&groups, &threshold, 0.1, &mut pending);
                assert_eq!(pending[..len], want, "{kernel:?}, k = {k}");
            }
        }
    }

    /// Clustered points: `blobs` blobs on a line, jittered by a fixed sequence.
    fn clustered(n: usize, d: usize, blobs: usize) -> Vec<f64> {
        let mut state = 12345u64;
        let mut jitter = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        (0..n * d)
            .map(|i| ((i / d) % blobs) as f64 * 4.0 + jitter() * 3.0)
            .collect()
    }

    #[test]
    fn small_fits_use_bounds_and_skip_most_scans_with_the_same_result() {
        let (n, d, k) = (3000, 2, 10);
        let data = clustered(n, d, 4);
        let points = Points::new(&data, d).unwrap();
        let params = FitParams::new(k);
        let bounded = Parallel::new().fit(points, &params).unwrap();
        let brute = Parallel::brute_force().fit(points, &params).unwrap();
        assert!(
            bounded.details["method"]
                .as_str()
                .unwrap()
                .contains("Hamerly")
        );
        assert!(brute.details["method"].as_str().unwrap().contains("exact"));
        assert_eq!(bounded.labels, brute.labels);
        assert_eq!(bounded.iterations, brute.iterations);
        assert!(bounded.iterations > 5, "{} passes", bounded.iterations);
        for (a, b) in bounded.centers.iter().zip(&brute.centers) {
            assert!((a - b).abs() <= 1e-12 * (1.0 + b.abs()), "{a} vs {b}");
        }
        let scanned = bounded.details["points_scanned"].as_u64().unwrap();
        let all = (n * bounded.iterations) as u64;
        assert!(scanned < all / 2, "{scanned} of {all} point scans");
    }

    #[test]
    fn large_fits_use_the_threaded_brute_force() {
        let (n, d, k) = (40_000, 4, 8);
        let data = clustered(n, d, 8);
        let points = Points::new(&data, d).unwrap();
        let fit = Parallel::new()
            .fit(points, &FitParams::new(k).max_iter(2))
            .unwrap();
        assert!(fit.details["method"].as_str().unwrap().contains("exact"));
        // Few points but much work per pass: brute force (one block, so one thread).
        let (n, d, k) = (1000, 64, 32);
        let data = clustered(n, d, 8);
        let points = Points::new(&data, d).unwrap();
        let fit = Parallel::new()
            .fit(points, &FitParams::new(k).max_iter(2))
            .unwrap();
        assert!(
            fit.details["method"]
                .as_str()
                .unwrap()
                .contains("dot products")
        );
    }
}
