use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{FitError, Points};

/// Coordinates must stay within ±1e150: then every squared distance and every cluster sum
/// stays finite (1e150² · d is far below `f64::MAX` ≈ 1.8e308), so no stage can produce
/// NaN or infinity from valid input.
pub const MAX_ABS_COORDINATE: f64 = 1e150;

/// How the initial centers are chosen. Every stage gets its initial centers from
/// [`crate::init::initial_centers`], so all rungs start from the same place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Init {
    /// The last `k` points: the seed's `points[-k:]`.
    #[default]
    #[serde(rename = "last-k")]
    LastK,
    /// The first `k` points.
    #[serde(rename = "first-k")]
    FirstK,
    /// `k` distinct rows drawn uniformly with a seeded ChaCha8 generator.
    #[serde(rename = "random")]
    Random,
    /// k-means++ (Arthur & Vassilvitskii) D² sampling with a seeded ChaCha8 generator.
    #[serde(rename = "kmeans++")]
    KMeansPlusPlus,
}

impl Init {
    pub const ALL: [Init; 4] = [
        Init::LastK,
        Init::FirstK,
        Init::Random,
        Init::KMeansPlusPlus,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Init::LastK => "last-k",
            Init::FirstK => "first-k",
            Init::Random => "random",
            Init::KMeansPlusPlus => "kmeans++",
        }
    }
}

impl fmt::Display for Init {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Init {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Init::ALL
            .into_iter()
            .find(|init| init.name() == s)
            .ok_or_else(|| format!("unknown init {s:?}; use last-k, first-k, random or kmeans++"))
    }
}

/// The parameters of one fit, checked once by [`FitParams::check`] before any work.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitParams {
    /// Number of clusters, `1..=n`.
    pub k: usize,
    pub init: Init,
    /// Seed of the `random` and `kmeans++` inits (ignored by the others).
    pub seed: u64,
    /// Upper bound on assignment passes, at least 1.
    pub max_iter: usize,
    /// Explicit initial centers (`k × d`, row-major); when set, `init` is not used.
    pub initial_centers: Option<Vec<f64>>,
    /// Run all `max_iter` passes even after convergence (benchmarks that time a fixed
    /// number of iterations); `converged` then reports the last pass.
    pub run_all_iterations: bool,
}

impl FitParams {
    /// Generous enough that the seed's unbounded loop and ours agree on any realistic
    /// data; the fit says `converged: false` when it is reached.
    pub const DEFAULT_MAX_ITER: usize = 1000;

    /// `k` clusters, `last-k` init, seed 0, [`Self::DEFAULT_MAX_ITER`].
    pub fn new(k: usize) -> Self {
        Self {
            k,
            init: Init::LastK,
            seed: 0,
            max_iter: Self::DEFAULT_MAX_ITER,
            initial_centers: None,
            run_all_iterations: false,
        }
    }

    pub fn init(mut self, init: Init) -> Self {
        self.init = init;
        self
    }

    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// Runs exactly `max_iter` passes, converged or not.
    pub fn run_all_iterations(mut self) -> Self {
        self.run_all_iterations = true;
        self
    }

    /// Starts from these centers (`k × d`, row-major) instead of an [`Init`] method.
    pub fn initial_centers(mut self, centers: Vec<f64>) -> Self {
        self.initial_centers = Some(centers);
        self
    }

    /// The init's name as reports show it: an [`Init`] name, or `given`.
    pub fn init_name(&self) -> &'static str {
        match self.initial_centers {
            Some(_) => "given",
            None => self.init.name(),
        }
    }

    /// Checks the parameters against the points: `1 <= k <= n`, `max_iter >= 1`, given
    /// initial centers of `k × d` values, and every coordinate (of the points and of given
    /// centers) finite and within ±[`MAX_ABS_COORDINATE`].
    pub fn check(&self, points: Points<'_>) -> Result<(), FitError> {
        self.check_shape(points.n(), points.d())?;
        check_values(points)
    }

    /// The checks that need only the shape of the points (`n × d`), not their values:
    /// `1 <= k <= n`, `max_iter >= 1`, and given initial centers of `k × d` valid values.
    /// A caller that streams the points checks their values with [`check_values`].
    pub fn check_shape(&self, n: usize, d: usize) -> Result<(), FitError> {
        if n == 0 {
            return Err(FitError::NoPoints);
        }
        if self.k == 0 {
            return Err(FitError::KZero);
        }
        if self.k > n {
            return Err(FitError::KTooLarge { k: self.k, n });
        }
        if self.max_iter == 0 {
            return Err(FitError::MaxIterZero);
        }
        if let Some(centers) = &self.initial_centers {
            if centers.len() != self.k * d {
                return Err(FitError::DimensionMismatch {
                    k: self.k,
                    d,
                    got: centers.len(),
                });
            }
            check_values(Points::new(centers, d)?)
                .map_err(|e| FitError::BadInitialCenter(Box::new(e)))?;
        }
        Ok(())
    }
}

/// Every coordinate finite and within ±[`MAX_ABS_COORDINATE`]; the first offender is named.
pub fn check_values(points: Points<'_>) -> Result<(), FitError> {
    // NaN fails every comparison, so it is caught by `is_finite`.
    let bad = |v: f64| !v.is_finite() || v.abs() > MAX_ABS_COORDINATE;
    let Some(i) = points.as_slice().iter().position(|&v| bad(v)) else {
        return Ok(());
    };
    let d = points.d();
    let value = points.as_slice()[i];
    let (row, col) = (i / d, i % d);
    if value.is_finite() {
        Err(FitError::TooLarge {
            row,
            col,
            value,
            limit: MAX_ABS_COORDINATE,
        })
    } else {
        Err(FitError::NonFinite { row, col, value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pts(data: &[f64], d: usize) -> Points<'_> {
        Points::new(data, d).unwrap()
    }

    #[test]
    fn rejects_bad_parameters_with_typed_errors() {
        let data = [0.0, 1.0, 2.0, 3.0];
        let p = pts(&data, 2);
        assert_eq!(FitParams::new(0).check(p), Err(FitError::KZero));
        assert_eq!(
            FitParams::new(3).check(p),
            Err(FitError::KTooLarge { k: 3, n: 2 })
        );
        assert_eq!(
            FitParams::new(1).max_iter(0).check(p),
            Err(FitError::MaxIterZero)
        );
        assert_eq!(
            FitParams::new(1).check(pts(&[], 2)),
            Err(FitError::NoPoints)
        );
        assert_eq!(FitParams::new(2).check(p), Ok(()));
        let given = FitParams::new(2).initial_centers(vec![0.0, 1.0, 2.0]);
        assert_eq!(
            given.check(p),
            Err(FitError::DimensionMismatch { k: 2, d: 2, got: 3 })
        );
        let nan = FitParams::new(1).initial_centers(vec![0.0, f64::NAN]);
        assert!(matches!(nan.check(p), Err(FitError::BadInitialCenter(_))));
    }

    #[test]
    fn names_the_first_non_finite_or_huge_value() {
        let data = [0.0, 1.0, 2.0, f64::NAN, f64::INFINITY, 0.0];
        match FitParams::new(1).check(pts(&data, 2)) {
            Err(FitError::NonFinite { row: 1, col: 1, .. }) => {}
            other => panic!("{other:?}"),
        }
        let data = [0.0, -1e200];
        match FitParams::new(1).check(pts(&data, 1)) {
            Err(FitError::TooLarge { row: 1, col: 0, .. }) => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn points_view_rejects_ragged_and_featureless_input() {
        assert_eq!(
            Points::new(&[1.0, 2.0, 3.0], 2).unwrap_err(),
            FitError::Ragged { len: 3, d: 2 }
        );
        assert_eq!(Points::new(&[1.0], 0).unwrap_err(), FitError::NoFeatures);
    }

    #[test]
    fn init_names_round_trip() {
        for init in Init::ALL {
            assert_eq!(init.name().parse::<Init>(), Ok(init));
        }
        assert!("k-means".parse::<Init>().is_err());
    }
}
