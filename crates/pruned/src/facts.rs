//! What a `pruned` fit reports: the method it chose, and pass by pass how many distances
//! it computed against brute force's `n·k` — the skip rate, the story of the rung.

use std::fmt;

use ladder_parallel::Simd;
use serde::{Serialize, Serializer};

use crate::Method;

/// A share between 0 and 1, shown as a percentage with one decimal (`91.4 %`).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Share(pub f64);

impl fmt::Display for Share {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.1} %", 100.0 * self.0)
    }
}

impl Serialize for Share {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// One pass's work.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Pass {
    /// Point-to-center distances computed.
    pub distance_evaluations: u64,
    /// The share of brute force's `n·k` that was not computed.
    pub skipped: Share,
}

impl Pass {
    /// A pass of `evaluations` distances on `n` points and `k` centers.
    pub fn new(evaluations: u64, n: usize, k: usize) -> Self {
        let all = (n as f64) * (k as f64);
        Self {
            distance_evaluations: evaluations,
            skipped: Share(1.0 - evaluations as f64 / all),
        }
    }
}

/// Bytes of bounds, beside the bytes of the points they bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BoundBytes(pub u64);

impl BoundBytes {
    /// `per_point` bytes for each of `n` points.
    pub fn of(n: usize, per_point: usize) -> Self {
        Self((n * per_point) as u64)
    }
}

/// What a `pruned` fit reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrunedFacts {
    /// The bounds it kept.
    pub method: Method,
    /// Groups of centers the bounds were kept for (Yinyang, Elkan).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<usize>,
    /// The kernel the CPU ran for the exact scans and the tests.
    pub kernel: Simd,
    /// Threads the fit ran on.
    pub threads: usize,
    /// Memory the bounds took.
    pub bound_bytes: BoundBytes,
    /// Distances computed, all passes together.
    pub distance_evaluations: u64,
    /// The share of brute force's `n·k` per pass not computed, all passes together.
    pub skipped: Share,
    /// Each pass's work, in order.
    pub passes: Vec<Pass>,
}

impl PrunedFacts {
    /// The facts of a fit of `n` points and `k` centers by `method`, whose passes
    /// computed `per_pass` distances each.
    pub fn new(
        method: Method,
        kernel: Simd,
        threads: usize,
        bound_bytes: BoundBytes,
        (n, k): (usize, usize),
        per_pass: &[u64],
    ) -> Self {
        let distance_evaluations = per_pass.iter().sum();
        let possible = (n as f64) * (k as f64) * per_pass.len() as f64;
        Self {
            method,
            groups: None,
            kernel,
            threads,
            bound_bytes,
            distance_evaluations,
            skipped: Share(1.0 - distance_evaluations as f64 / possible.max(1.0)),
            passes: per_pass.iter().map(|&e| Pass::new(e, n, k)).collect(),
        }
    }
}
