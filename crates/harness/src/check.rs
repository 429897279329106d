//! Is a stage's work the same as the reference's? The contract says every stage returns
//! `naive`'s labels and iteration count; centers agree to rounding (bit for bit where the
//! summation order is the same).

use ladder_core::Fit;
use serde::Serialize;

/// How one fit compares with the reference fit on the same input and parameters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agreement {
    /// Every point has the reference's label.
    pub labels_match: bool,
    /// Points whose label differs from the reference's.
    pub labels_differing: usize,
    /// The same number of assignment passes.
    pub iterations_match: bool,
    /// Both converged, or neither.
    pub converged_match: bool,
    /// Largest absolute difference of a center coordinate (0 when bit-identical).
    pub max_center_diff: f64,
}

/// Points whose label differs between two labelings (all of them when the lengths differ).
pub fn labels_differing(labels: &[u32], reference: &[u32]) -> usize {
    if labels.len() == reference.len() {
        labels.iter().zip(reference).filter(|(a, b)| a != b).count()
    } else {
        labels.len().max(reference.len())
    }
}

impl Agreement {
    /// How `fit` compares with `reference`.
    pub fn of(fit: &Fit, reference: &Fit) -> Self {
        let labels_differing = labels_differing(&fit.labels, &reference.labels);
        let max_center_diff = if fit.centers.len() == reference.centers.len() {
            fit.centers
                .iter()
                .zip(&reference.centers)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max)
        } else {
            f64::INFINITY
        };
        Self {
            labels_match: labels_differing == 0,
            labels_differing,
            iterations_match: fit.iterations == reference.iterations,
            converged_match: fit.converged == reference.converged,
            max_center_diff,
        }
    }

    /// Same labels, iterations and convergence: the work is the same.
    pub fn same_work(&self) -> bool {
        self.labels_match && self.iterations_match && self.converged_match
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fit(labels: Vec<u32>, centers: Vec<f64>, iterations: usize) -> Fit {
        Fit {
            labels,
            centers,
            k: 2,
            d: 1,
            iterations,
            converged: true,
            inertia: 0.0,
            assign_seconds: 0.0,
            update_seconds: 0.0,
            pass_seconds: Vec::new(),
            distance_evaluations: None,
            details: ladder_core::Details::none(),
        }
    }

    #[test]
    fn counts_what_differs() {
        let reference = fit(vec![0, 1, 1], vec![0.0, 1.0], 3);
        let same = Agreement::of(&reference.clone(), &reference);
        assert!(same.same_work() && same.max_center_diff == 0.0);
        let other = Agreement::of(&fit(vec![0, 0, 1], vec![0.0, 1.5], 4), &reference);
        assert!(!other.same_work());
        assert_eq!((other.labels_differing, other.max_center_diff), (1, 0.5));
        assert!(!other.iterations_match);
    }
}
