//! # Rung two: `vectorized` — the NumPy rung, with ndarray
//!
//! **What it adds.** The seed's second step replaces Python loops by whole-array
//! operations:
//!
//! ```python
//! diff = points[:, None, :] - centers      # (n, k, d) by broadcasting
//! distances = (diff ** 2).sum(-1)          # (n, k)
//! labels = distances.argmin(1)             # (n,)
//! ```
//!
//! This crate writes the same thing with ndarray: broadcast differences, element-wise
//! squares, a reduction over the features and an argmin over the centers; the update is
//! an index-add of every point into its cluster's row (`np.add.at(sums, labels, points)`)
//! followed by one broadcast division. Per-operation overhead is paid once per array
//! instead of once per element.
//!
//! **What it costs: memory, and time spent moving it.** The seed's one-liner materialises
//! an `n × k × d` temporary — 64 MiB already at n = 100 000, k = 10, d = 8 — and every
//! operation writes a new array, so the data crosses memory several times per iteration
//! where a fused loop touches it once. This rung bounds that cost twice over:
//!
//! - it broadcasts **one feature at a time** — `dist += (x[:, t, None] - c[None, :, t])**2`
//!   for `t` in order — which is the same arithmetic in the same order with `rows × k`
//!   temporaries instead of `rows × k × d`;
//! - it walks the points in **row blocks** sized so that a block's temporaries stay under
//!   [`Vectorized::temp_bytes_limit`], 1 MiB by default, whatever `n`. The fit reports the
//!   block size and the peak temporary bytes of an iteration in its details.
//!
//! The block size matters more than any other choice here: blocks far larger than the
//! cache make every operation stream its temporaries through memory, and the same fit
//! takes several times longer (the README has the figures).
//!
//! **Exactness.** The per-feature accumulation adds the squared differences in feature
//! order starting from zero, exactly as the contract (and `naive`) does; ndarray's
//! `sum_axis` would use an unrolled, reassociated sum and could flip near-ties. The
//! index-add also runs in point order, so the centers are bit-for-bit `naive`'s.
//!
//! **Where it wins.** Hardly anywhere, in Rust: `naive` is already compiled, so there is
//! no interpreter overhead for whole-array operations to remove. On many points in two
//! dimensions it edges out `naive`; with more features it loses, because every operation
//! makes a pass over memory that `naive`'s loop does in registers. It is the rung that
//! shows why "vectorised" is not the same as "fast": the fused, flat-memory loop of the
//! `parallel` rung does the same arithmetic in one pass.
//!
//! ```
//! use ladder_core::{FitParams, Points, Stage};
//! use ladder_vectorized::{Vectorized, VectorizedFacts};
//!
//! let data = [0.0, 0.5, 1.0, 9.0, 10.0];
//! let fit = Vectorized::new().fit(Points::new(&data, 1)?, &FitParams::new(2))?;
//! assert_eq!(fit.labels, [0, 0, 0, 1, 1]);
//! let facts = fit.details.get::<VectorizedFacts>().expect("the rung's facts");
//! assert_eq!(facts.block_rows, 5);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

use ladder_core::{Checked, Details, Fit, Stage, StageError, Steps, divide_sums, lloyd};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis, s};
use serde::Serialize;

/// The `vectorized` stage.
#[derive(Debug, Clone, Copy)]
pub struct Vectorized {
    /// Upper bound, in bytes, on one row block's temporaries (the `rows × k × d`
    /// difference, the `rows × k` distances and the `rows` labels). A single row whose
    /// temporaries exceed it is still processed, one row per block, and the fit's
    /// `peak_temp_bytes` says so.
    pub temp_bytes_limit: usize,
}

impl Vectorized {
    /// 1 MiB of temporaries per row block: they stay in the CPU's cache.
    pub const DEFAULT_TEMP_BYTES: usize = 1 << 20;

    /// The stage with [`Self::DEFAULT_TEMP_BYTES`] of temporaries per block.
    pub const fn new() -> Self {
        Self {
            temp_bytes_limit: Self::DEFAULT_TEMP_BYTES,
        }
    }
}

impl Default for Vectorized {
    fn default() -> Self {
        Self::new()
    }
}

impl Stage for Vectorized {
    fn name(&self) -> &'static str {
        "vectorized"
    }

    fn summary(&self) -> &'static str {
        "NumPy-style whole-array ops with ndarray (broadcast, square, sum, argmin), in row blocks of bounded memory"
    }

    fn fit_checked(&self, checked: &Checked<'_>) -> Result<Fit, StageError> {
        let (points, k) = (checked.points(), checked.params().k);
        let view = ArrayView2::from_shape((points.n(), points.d()), points.as_slice())
            .expect("Points are n × d");
        let bytes_per_row = 2 * k * size_of::<f64>() + size_of::<u32>();
        let mut steps = ArraySteps {
            points: view,
            facts: VectorizedFacts {
                block_rows: (self.temp_bytes_limit / bytes_per_row).clamp(1, points.n()),
                temp_bytes_limit: self.temp_bytes_limit,
                peak_temp_bytes: 0,
            },
        };
        Ok(lloyd(checked, &mut steps))
    }
}

/// What a `vectorized` fit reports: its row blocks and the memory their temporaries took.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VectorizedFacts {
    /// Points per row block.
    pub block_rows: usize,
    /// The bound a block's temporaries were sized for ([`Vectorized::temp_bytes_limit`]).
    pub temp_bytes_limit: usize,
    /// The most bytes of temporaries one step held at once.
    pub peak_temp_bytes: usize,
}

struct ArraySteps<'a> {
    points: ArrayView2<'a, f64>,
    facts: VectorizedFacts,
}

fn bytes<T>(elements: usize) -> usize {
    elements * size_of::<T>()
}

/// `distances.argmin()` of one row: the first of equal minima, as NumPy's argmin.
fn argmin(distances: ArrayView1<'_, f64>) -> u32 {
    let mut best = 0;
    for (j, &x) in distances.iter().enumerate() {
        if x < distances[best] {
            best = j;
        }
    }
    best as u32
}

impl Steps for ArraySteps<'_> {
    fn assign(&mut self, centers: &[f64], labels: &mut [u32]) {
        let d = self.points.ncols();
        let centers = ArrayView2::from_shape((centers.len() / d, d), centers).expect("k × d");
        for (b, block) in self
            .points
            .axis_chunks_iter(Axis(0), self.facts.block_rows)
            .enumerate()
        {
            // distances = ((points[:, None, :] - centers[None, :, :]) ** 2).sum(-1),
            // one (rows, k) broadcast per feature, the features added in order
            let mut distances = Array2::<f64>::zeros((block.nrows(), centers.nrows()));
            for t in 0..d {
                let diff =
                    &block.column(t).insert_axis(Axis(1)) - &centers.column(t).insert_axis(Axis(0));
                distances += &diff.mapv_into(|x| x * x);
            }
            // distances.argmin(1)
            let block_labels: Array1<u32> = distances.map_axis(Axis(1), argmin);

            let start = b * self.facts.block_rows;
            labels[start..start + block.nrows()]
                .iter_mut()
                .zip(&block_labels)
                .for_each(|(l, &b)| *l = b);
            // One feature's squared differences and the distances, as f64, and the labels.
            let temp = bytes::<f64>(2 * distances.len()) + bytes::<u32>(block_labels.len());
            self.facts.peak_temp_bytes = self.facts.peak_temp_bytes.max(temp);
        }
    }

    fn update(&mut self, labels: &[u32], centers: &mut [f64]) {
        let d = self.points.ncols();
        let k = centers.len() / d;
        // np.add.at(sums, labels, points); np.add.at(counts, labels, 1)
        let mut sums = Array2::<f64>::zeros((k, d));
        let mut counts = Array1::<u64>::zeros(k);
        for (point, &l) in self.points.outer_iter().zip(labels) {
            let mut sum = sums.slice_mut(s![l as usize, ..]);
            sum += &point;
            counts[l as usize] += 1;
        }
        // centers = sums / counts[:, None], where a cluster has points (the contract's
        // division, shared by every rung)
        let (sums, counts) = (sums.as_slice(), counts.as_slice());
        divide_sums(
            sums.expect("standard layout"),
            counts.expect("standard layout"),
            centers,
        );
        let temp = bytes::<f64>(k * d) + bytes::<u64>(k);
        self.facts.peak_temp_bytes = self.facts.peak_temp_bytes.max(temp);
    }

    fn details(&self) -> Details {
        Details::new(self.facts.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ladder_core::{FitParams, Points};

    #[test]
    fn blocks_keep_temporaries_under_the_limit() {
        let data: Vec<f64> = (0..3000).map(|i| (i % 97) as f64).collect();
        let points = Points::new(&data, 3).unwrap();
        let stage = Vectorized {
            temp_bytes_limit: 10_000,
        };
        let fit = stage.fit(points, &FitParams::new(4).max_iter(3)).unwrap();
        let facts = fit.details.get::<VectorizedFacts>().unwrap();
        let (peak, rows) = (facts.peak_temp_bytes, facts.block_rows);
        assert!(peak > 0 && peak <= 10_000, "{peak}");
        assert_eq!(rows, 10_000 / (2 * 4 * 8 + 4));
    }

    #[test]
    fn one_row_blocks_when_a_row_alone_exceeds_the_limit() {
        let data: Vec<f64> = (0..40).map(f64::from).collect();
        let points = Points::new(&data, 2).unwrap();
        let stage = Vectorized {
            temp_bytes_limit: 1,
        };
        let fit = stage.fit(points, &FitParams::new(5)).unwrap();
        let facts = fit.details.get::<VectorizedFacts>().unwrap();
        assert_eq!(facts.block_rows, 1);
        assert!(facts.peak_temp_bytes > 1);
    }
}
