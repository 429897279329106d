//! # Rung six: `pruned` — the algorithm beats the hardware
//!
//! **What it adds.** The seed's last lesson is "use an existing implementation", and the
//! existing implementations get their speed from algorithms as much as from kernels:
//! scikit-learn's `elkan`, and the bound-based methods of the literature. The `parallel`
//! rung computes every one of the `n·k` distances every pass, near the machine's FMA
//! peak; this rung computes fewer. Each point keeps bounds on its distances to the
//! centers, and after the first passes most points' bounds prove that they keep their
//! center, so their distances are never computed. It is exact: the same labels and
//! iterations as `naive`.
//!
//! - **The bounds** ([`Method`], chosen by `d`: [`Pruning::method_for`]). Hamerly's
//!   below 6 features — an upper bound on the distance to the point's center and one
//!   lower bound on the distance to every other (`hamerly.rs`). From 6 on, Yinyang's
//!   (Ding et al. 2015, simplified): a lower bound per group of about 16 centers, so a
//!   point that fails the global test scans only the groups it cannot rule out; with a
//!   group per center (as many as fit in the point's bytes) it is the simplified Elkan
//!   of Newling & Fleuret (`yinyang/`, `groups.rs`). All are kept lazily against
//!   running sums of the centers' moves (`moves.rs`).
//! - **Exact where it matters.** A point whose bounds do not prove it stays is scanned
//!   with the contract's own formula (`parallel`'s kernels, through its `Kernels`
//!   seam), so its label is the contract's; the bounds are widened by a margin that
//!   covers the rounding of every distance, square root and update, and are stored
//!   rounded outward, so a bound off by an ulp can never skip a distance that could win.
//! - **Threads over fixed blocks, deterministic.** Each block of [`BLOCK`] points is
//!   tested and scanned on its own, on rayon's threads when the fit is large enough to
//!   share, and takes its share of the sums while its rows are in the cache (on the
//!   first pass its points', later the moves of those that changed cluster); the update
//!   adds the shares in block order (`sums.rs`). Labels, iterations and centers are the
//!   same, bit for bit, for any number of threads.
//!
//! **What it costs.** Bounds in single precision, at most the bytes of the point
//! itself (4 bytes a point for Hamerly's, `4 (2 + t)` for `t` groups; the facts say how
//! many: [`BoundBytes`]). A first pass that scans every point and keeps more than the
//! nearest center: from 8 features about brute force's time (through a single-precision
//! filter scan whose near ties are re-checked exactly), in fewer up to several times it,
//! the packing of the points and the stores of their bounds costing more than the
//! distances; while the passes stay dense, that single-precision copy of the points
//! (half their bytes) is kept, so that a run of dense passes packs them once. A
//! per-pass sweep over every point's bounds, which on few features costs about what
//! brute force does. Gathers: the points that fail are scattered in memory,
//! and each costs a cache miss or two.
//!
//! **Where it wins, and where it loses.** It wins once the centers settle: each pass
//! then touches only the points near a boundary, and the more dimensions the more a
//! skipped distance saves (at 64 features it is about 3 times `parallel` on this
//! machine). It loses where the centers never settle — clusters that keep trading
//! points, data with no structure, many overlapping clusters in few dimensions (1M × 2
//! with k = 10: 80 % of the points fail the test on the second pass and half on the
//! third, and scanning them scattered costs more than brute force does for all) — and
//! where there is little to skip: with k = 2 every scan is a full one, and the
//! bookkeeping is pure overhead. The single-precision filter loses its edge on data far
//! from the origin (its error bound grows with the norms, so more near ties go to the
//! exact re-check); past squared norms of 10³⁰ it steps aside for the `f64` scan. Its
//! facts ([`PrunedFacts`]) say, pass by pass, how much it skipped.
//!
//! ```
//! use ladder_core::{FitParams, Points, Stage};
//! use ladder_pruned::{Pruned, PrunedFacts};
//!
//! let data: Vec<f64> = (0..4000).map(|i| (i % 4) as f64 * 10.0 + (i % 7) as f64 * 0.1).collect();
//! let fit = Pruned::new().fit(Points::new(&data, 2)?, &FitParams::new(4))?;
//! let facts = fit.details.get::<PrunedFacts>().expect("the rung's facts");
//! assert_eq!(facts.passes.len(), fit.iterations);
//! println!("{} of the distances skipped", facts.skipped);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod blocks;
mod facts;
mod groups;
mod hamerly;
mod moves;
mod sums;
mod yinyang;

use std::fmt;
use std::str::FromStr;

use ladder_core::{Checked, Fit, Stage, StageError, lloyd};
use serde::{Serialize, Serializer};

pub use facts::{BoundBytes, Pass, PrunedFacts, Share};

/// Points per block: the unit of work of a thread, and of the deterministic order.
pub const BLOCK: usize = 4096;

/// Centers per group of Yinyang's bounds (about). Fewer groups make every point's bounds
/// fewer bytes and the dense scans' work per point smaller, at some pruning: measured
/// with 20-pass fits on this rung's benchmark shapes (interleaved `--repeat` medians
/// against 8 a group), 16 was 14 % faster on 1M × 16 with k = 100 (7 groups instead of
/// 13: a sparse pass reads a 28-byte row of bounds per failing point, not 52) and 6 %
/// on 100k × 16; 200k × 64 with k = 256 was within the noise from 8 to 20 a group.
pub const YINYANG_GROUP: usize = 16;

/// Below this many distance terms (`n × k × d`) per pass, a fit stays on one thread.
pub const PARALLEL_WORK: usize = ladder_parallel::PARALLEL_WORK;

/// The bounds a fit keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Hamerly's: an upper bound to the point's center, one lower bound to all others.
    Hamerly,
    /// Yinyang's: a lower bound per group of about [`YINYANG_GROUP`] centers.
    Yinyang,
    /// Simplified Elkan: a lower bound per center (where they fit in the point's bytes;
    /// else as many groups as fit).
    Elkan,
}

impl Method {
    /// Every method, for tests and studies.
    pub const ALL: [Method; 3] = [Method::Hamerly, Method::Yinyang, Method::Elkan];

    /// The name users type: `hamerly`, `yinyang`, `elkan`.
    pub fn name(self) -> &'static str {
        match self {
            Method::Hamerly => "hamerly",
            Method::Yinyang => "yinyang",
            Method::Elkan => "elkan",
        }
    }

    /// How many groups of centers its bounds are kept for, for `k` centers in `d`
    /// dimensions: at most what keeps the bounds within the point's own bytes (two
    /// single-precision bounds and one per group in `8 d` bytes).
    pub fn groups(self, k: usize, d: usize) -> usize {
        let fits = (2 * d).saturating_sub(2).max(1);
        match self {
            Method::Hamerly => 1,
            Method::Yinyang => k.div_ceil(YINYANG_GROUP).min(fits),
            Method::Elkan => k.min(fits),
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Method {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// Which bounds a fit keeps: chosen by the shape of the data, or asked for.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum Pruning {
    /// Chosen by `d` and `k` ([`Pruning::method_for`]).
    #[default]
    Auto,
    /// This method, whatever the shape.
    Fixed(Method),
}

impl Pruning {
    /// The method for points of `d` features and `k` centers: Hamerly's one bound in
    /// few dimensions, where a scan of every center is cheap; bounds per group from 6
    /// on (the regime map of Newling & Fleuret, "Fast k-means with accurate bounds").
    pub fn method_for(self, d: usize, _k: usize) -> Method {
        match self {
            Pruning::Auto if d < 6 => Method::Hamerly,
            Pruning::Auto => Method::Yinyang,
            Pruning::Fixed(method) => method,
        }
    }
}

/// A `--pruning` value that names no method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownPruning(pub String);

impl fmt::Display for UnknownPruning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown pruning {:?}; use auto, hamerly, yinyang or elkan",
            self.0
        )
    }
}

impl std::error::Error for UnknownPruning {}

impl FromStr for Pruning {
    type Err = UnknownPruning;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "auto" {
            return Ok(Pruning::Auto);
        }
        Method::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .map(Pruning::Fixed)
            .ok_or_else(|| UnknownPruning(s.to_string()))
    }
}

/// The `pruned` stage. It uses the current rayon thread pool.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    /// Which bounds it keeps.
    pub pruning: Pruning,
}

impl Pruned {
    /// The stage as the ladder runs it: the method chosen by the shape of the data.
    pub const fn new() -> Self {
        Self {
            pruning: Pruning::Auto,
        }
    }

    /// The stage with `method`, whatever the shape.
    pub const fn with(method: Method) -> Self {
        Self {
            pruning: Pruning::Fixed(method),
        }
    }
}

/// Whether a fit of `n × d` points with `k` centers is worth spreading over threads.
fn worth_threads(n: usize, k: usize, d: usize) -> bool {
    n.saturating_mul(k).saturating_mul(d) >= PARALLEL_WORK && n > BLOCK
}

impl Stage for Pruned {
    fn name(&self) -> &'static str {
        "pruned"
    }

    fn summary(&self) -> &'static str {
        "exact Lloyd that skips the distances bounds prove cannot win (Hamerly, Yinyang, Elkan), threaded over fixed blocks, deterministic"
    }

    fn fit_checked(&self, checked: &Checked<'_>) -> Result<Fit, StageError> {
        let (points, k) = (checked.points(), checked.params().k);
        let parallel = worth_threads(points.n(), k, points.d());
        let method = self.pruning.method_for(points.d(), k);
        // The norm that scales the bounds' margins, from the check's pass over the points.
        let largest = checked.plan().extent().norm_bound(points.d());
        let fit = match method {
            Method::Hamerly => {
                let mut steps = hamerly::HamerlySteps::new(points, k, largest, parallel);
                lloyd(checked, &mut steps)
            }
            Method::Yinyang | Method::Elkan => {
                let groups = (method, method.groups(k, points.d()));
                let initial = checked.initial_centers();
                let points = (points, largest);
                let mut steps = yinyang::YinyangSteps::new(points, initial, groups, parallel);
                lloyd(checked, &mut steps)
            }
        };
        Ok(fit)
    }
}

#[cfg(test)]
mod tests;
