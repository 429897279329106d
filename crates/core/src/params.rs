//! The parameters of a fit, as a caller gives them. [`FitParams::check`] (in
//! `check.rs`) turns them, with the points, into a checked value that every stage takes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// How the initial centers are chosen. Every stage gets its initial centers from the
/// checked fit ([`crate::Checked::initial_centers`]), chosen once, so all rungs start
/// from the same place.
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
    /// Every init, in the order the docs list them.
    pub const ALL: [Init; 4] = [
        Init::LastK,
        Init::FirstK,
        Init::Random,
        Init::KMeansPlusPlus,
    ];

    /// The name users type: `last-k`, `first-k`, `random`, `kmeans++`.
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

/// A name that is not one of the [`Init`]s.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown init {0:?}; use last-k, first-k, random or kmeans++")]
pub struct UnknownInit(pub String);

impl FromStr for Init {
    type Err = UnknownInit;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Init::ALL
            .into_iter()
            .find(|init| init.name() == s)
            .ok_or_else(|| UnknownInit(s.to_string()))
    }
}

/// The parameters of one fit, as given; [`FitParams::check`] checks them against the
/// points before any work.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitParams {
    /// Number of clusters, `1..=n`.
    pub k: usize,
    /// How the initial centers are chosen (unless `initial_centers` is given).
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

    /// Chooses the initial centers by `init`.
    pub fn init(mut self, init: Init) -> Self {
        self.init = init;
        self
    }

    /// Seeds the `random` and `kmeans++` inits.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Stops after at most `max_iter` assignment passes.
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_names_round_trip() {
        for init in Init::ALL {
            assert_eq!(init.name().parse::<Init>(), Ok(init));
        }
        assert!("k-means".parse::<Init>().is_err());
    }
}
