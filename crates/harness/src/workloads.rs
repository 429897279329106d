//! The workloads the ladder is measured on, defined once for benchmarks and reports.

use ladder_blobs::{BlobSpec, Generator, make_blobs};
use ladder_core::{FitParams, Matrix};

use crate::report::WorkloadInfo;

/// One benchmark workload: `make_blobs(n, centers=k, n_features=d, cluster_std=std,
/// random_state=0)` with the numpy generator, fitted with `k` clusters from the last `k`
/// points.
#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    /// A short name, e.g. `1M×2 k=10`.
    pub name: &'static str,
    /// What it stands for, e.g. "the seed run".
    pub about: &'static str,
    /// Points.
    pub n: usize,
    /// Features per point.
    pub d: usize,
    /// Clusters fitted.
    pub k: usize,
    /// Blobs generated (the seed uses 4 blobs and fits 10 clusters).
    pub blobs: usize,
    /// The blobs' standard deviation.
    pub std: f64,
    /// `None`: run to convergence; `Some(m)`: exactly `m` passes, converged or not.
    pub iterations: Option<usize>,
}

impl Workload {
    /// The seed documents' run: 5000 × 2, 4 blobs with std 0.6, k = 10, to convergence.
    pub const SEED: Workload = Workload {
        name: "seed",
        about: "the seed run",
        n: 5000,
        d: 2,
        k: 10,
        blobs: 4,
        std: 0.6,
        iterations: None,
    };

    /// The scaling grid: `cluster_std = 1.0`, `centers = k`, 20 passes, no early stop.
    pub fn grid() -> Vec<Workload> {
        [
            ("1M×2 k=10", 1_000_000, 2, 10),
            ("100k×16 k=100", 100_000, 16, 100),
            ("1M×16 k=100", 1_000_000, 16, 100),
            ("200k×64 k=256", 200_000, 64, 256),
        ]
        .into_iter()
        .map(|(name, n, d, k)| Workload {
            name,
            about: "the scaling grid",
            n,
            d,
            k,
            blobs: k,
            std: 1.0,
            iterations: Some(20),
        })
        .collect()
    }

    /// The points, bit-for-bit scikit-learn's.
    pub fn points(&self) -> Matrix {
        let spec = BlobSpec::new(self.n, self.blobs)
            .features(self.d)
            .std(self.std);
        make_blobs(&spec, Generator::Numpy)
            .expect("workload parameters are valid")
            .points
    }

    /// Last-k init; a fixed number of passes for the grid.
    pub fn params(&self) -> FitParams {
        let params = FitParams::new(self.k);
        match self.iterations {
            Some(m) => params.max_iter(m).run_all_iterations(),
            None => params,
        }
    }

    /// The workload as a report names it.
    pub fn info(&self) -> WorkloadInfo {
        let passes = match self.iterations {
            None => "run to convergence".to_string(),
            Some(m) => format!("exactly {m} passes"),
        };
        WorkloadInfo {
            description: format!(
                "{}: make_blobs(n_samples={}, centers={}, n_features={}, cluster_std={:.2}, random_state=0), \
                 numpy generator; k = {}, {passes}",
                self.about, self.n, self.blobs, self.d, self.std, self.k
            ),
            n: self.n,
            d: self.d,
            k: self.k,
            init: self.params().init_name().into(),
        }
    }

    /// Floating-point operations of the distance step per pass, counted as the
    /// matrix-product formulation does: `2 n k d`.
    pub fn distance_flops_per_pass(&self) -> f64 {
        2.0 * (self.n * self.k * self.d) as f64
    }
}
