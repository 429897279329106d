//! # Rung one: `naive` — the seed's pure-Python k-means, translated line by line
//!
//! **What it is.** The seed documents start from this Python:
//!
//! ```python
//! def dist(x, y):
//!     return sum((xi - yi) ** 2 for xi, yi in zip(x, y))
//!
//! def find_labels(points, centers):
//!     labels = []
//!     for point in points:
//!         distances = [dist(point, center) for center in centers]
//!         labels.append(distances.index(min(distances)))
//!     return labels
//!
//! def compute_centers(points, labels):
//!     ...   # per-cluster sums in point order, then divide by the counts
//! ```
//!
//! This crate keeps that structure on purpose: points and centers are `Vec<Vec<f64>>`
//! (a list of lists), every call allocates fresh vectors as Python builds fresh lists,
//! `dist` is a generic iterator sum, and `compute_centers` rebuilds a cluster's sum vector
//! for every point it adds, as `centers[label] = [a + b for a, b in zip(...)]` does.
//! The only change to the seed's logic is the contract's rule for an empty cluster (it
//! keeps its center; the seed's `len(set(labels))` would silently drop it).
//!
//! **What it costs.** Pointer chasing through a `Vec` per point, an allocation per
//! distance list and per cluster-sum update, and no vectorisation: compiled Rust still
//! beats CPython by a wide margin, but it is the slowest rung here. As in the seed's line
//! profile, almost all of the time is in `find_labels`.
//!
//! **Where it wins.** Nowhere on speed. It is the reference: every other rung is tested
//! to return its labels and iteration count, and it reproduces the seed run (54
//! iterations, 5000 labels, the final centers bit for bit).
//!
//! ```
//! use ladder_core::{FitParams, Points, Stage};
//!
//! // Two groups on a line; the last two points start the two centers.
//! let data = [0.0, 0.5, 1.0, 9.0, 10.0];
//! let fit = ladder_naive::Naive.fit(Points::new(&data, 1)?, &FitParams::new(2))?;
//! assert_eq!(fit.labels, [0, 0, 0, 1, 1]);
//! assert_eq!(fit.centers, [0.5, 9.5]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

use ladder_core::{Checked, Fit, Stage, StageError, Steps, lloyd};

/// The `naive` stage.
#[derive(Debug, Default, Clone, Copy)]
pub struct Naive;

impl Stage for Naive {
    fn name(&self) -> &'static str {
        "naive"
    }

    fn summary(&self) -> &'static str {
        "the seed's pure-Python code translated line by line: Vec<Vec<f64>>, fresh allocations; the reference"
    }

    fn fit_checked(&self, checked: &Checked<'_>) -> Result<Fit, StageError> {
        // `points.tolist()`: a list of lists, made once.
        let mut steps = NaiveSteps {
            points: checked.points().rows().map(<[f64]>::to_vec).collect(),
        };
        Ok(lloyd(checked, &mut steps))
    }
}

/// Squared distance, as `sum((xi - yi) ** 2 for xi, yi in zip(x, y))`.
pub fn dist(x: &[f64], y: &[f64]) -> f64 {
    x.iter()
        .zip(y)
        .map(|(xi, yi)| (xi - yi).powi(2))
        .fold(0.0, |a, b| a + b)
}

/// The nearest center of every point: `distances.index(min(distances))`, so the first
/// (lowest-index) of equal minima wins.
pub fn find_labels(points: &[Vec<f64>], centers: &[Vec<f64>]) -> Vec<usize> {
    let mut labels = Vec::new();
    for point in points {
        let distances: Vec<f64> = centers.iter().map(|center| dist(point, center)).collect();
        let mut index = 0;
        for (j, &distance) in distances.iter().enumerate() {
            if distance < distances[index] {
                index = j;
            }
        }
        labels.push(index);
    }
    labels
}

/// The mean of each cluster's points, summed in point order; a cluster with no points
/// keeps its old center.
pub fn compute_centers(
    points: &[Vec<f64>],
    labels: &[usize],
    old_centers: &[Vec<f64>],
) -> Vec<Vec<f64>> {
    let n_dims = points[0].len();
    let mut centers: Vec<Vec<f64>> = vec![vec![0.0; n_dims]; old_centers.len()];
    let mut counts = vec![0usize; old_centers.len()];
    for (&label, point) in labels.iter().zip(points) {
        counts[label] += 1;
        centers[label] = centers[label]
            .iter()
            .zip(point)
            .map(|(a, b)| a + b)
            .collect();
    }
    centers
        .iter()
        .zip(&counts)
        .zip(old_centers)
        .map(|((center, &count), old)| match count {
            0 => old.clone(),
            _ => center.iter().map(|x| x / count as f64).collect(),
        })
        .collect()
}

struct NaiveSteps {
    points: Vec<Vec<f64>>,
}

impl NaiveSteps {
    fn lists(&self, centers: &[f64]) -> Vec<Vec<f64>> {
        centers
            .chunks_exact(self.points[0].len())
            .map(<[f64]>::to_vec)
            .collect()
    }
}

impl Steps for NaiveSteps {
    fn assign(&mut self, centers: &[f64], labels: &mut [u32]) {
        let found = find_labels(&self.points, &self.lists(centers));
        for (l, f) in labels.iter_mut().zip(found) {
            *l = f as u32;
        }
    }

    fn update(&mut self, labels: &[u32], centers: &mut [f64]) {
        let labels: Vec<usize> = labels.iter().map(|&l| l as usize).collect();
        let new = compute_centers(&self.points, &labels, &self.lists(centers));
        for (c, x) in centers.iter_mut().zip(new.iter().flatten()) {
            *c = *x;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dist_sums_squares_in_order() {
        assert_eq!(dist(&[1.0, 2.0], &[4.0, -2.0]), 9.0 + 16.0);
    }

    #[test]
    fn find_labels_takes_the_first_of_equal_minima() {
        let points = vec![vec![0.0], vec![2.0], vec![5.0]];
        let centers = vec![vec![1.0], vec![-1.0], vec![3.0]];
        assert_eq!(find_labels(&points, &centers), vec![0, 0, 2]);
    }

    #[test]
    fn compute_centers_keeps_an_empty_clusters_center() {
        let points = vec![vec![0.0], vec![2.0]];
        let old = vec![vec![5.0], vec![7.0]];
        assert_eq!(
            compute_centers(&points, &[0, 0], &old),
            vec![vec![1.0], vec![7.0]]
        );
    }
}
