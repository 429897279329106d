//! Blob data for the ladder: scikit-learn's `make_blobs`, and the files it lives in.
//!
//! Two generators draw from one [`BlobSpec`]:
//!
//! - [`Generator::Numpy`] is **bit-for-bit** scikit-learn's
//!   `make_blobs(..., random_state=seed)`: numpy's legacy MT19937 `RandomState` with its
//!   cached polar Gaussian, the same order of draws, the same shuffle (see [`mt19937`]).
//!   It is sequential, like numpy.
//! - [`Generator::Fast`] draws the same kind of data with `rand`'s ChaCha8 generator and
//!   `rand_distr`'s ziggurat normal. Points are generated in chunks of [`FAST_CHUNK_ROWS`]
//!   rows, chunk `c` from ChaCha8 stream `c + 1` of the seed, in parallel: the output is
//!   the same for any thread count. Cluster sizes are numpy's (the first `N mod K`
//!   centers get one extra point); with shuffling, the order of the labels is a
//!   Fisher–Yates shuffle from stream 0, drawn before the points.
//!
//! [`io`] reads and writes points as `.npy` (what `numpy.load` reads) or CSV.

#![warn(missing_docs)]

pub mod io;
pub mod mt19937;

use std::fmt;
use std::str::FromStr;

use ladder_core::Matrix;
use rand::rngs::ChaCha8Rng;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;
use rayon::prelude::*;
use thiserror::Error;

use mt19937::RandomState;

/// Rows per independently seeded chunk of the fast generator.
pub const FAST_CHUNK_ROWS: usize = 16_384;

/// Which random generator draws the blobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Generator {
    /// Bit-exact scikit-learn / numpy `RandomState(seed)`.
    #[default]
    Numpy,
    /// ChaCha8 + ziggurat, chunked and parallel; not numpy's numbers.
    Fast,
}

impl fmt::Display for Generator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Generator::Numpy => "numpy",
            Generator::Fast => "fast",
        })
    }
}

impl FromStr for Generator {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "numpy" => Ok(Generator::Numpy),
            "fast" => Ok(Generator::Fast),
            _ => Err(format!("unknown generator {s:?}; use numpy or fast")),
        }
    }
}

/// How many samples: `make_blobs`'s `n_samples`.
#[derive(Debug, Clone, PartialEq)]
pub enum Samples {
    /// N in all, split evenly (the first `N mod K` centers get one more).
    Total(usize),
    /// So many for each center, in order.
    PerCenter(Vec<usize>),
}

/// Where the centers come from: `make_blobs`'s `centers`.
#[derive(Debug, Clone, PartialEq)]
pub enum Centers {
    /// `None`: 3 centers for [`Samples::Total`], one per entry for [`Samples::PerCenter`].
    Default,
    /// K centers drawn uniformly from the center box.
    Count(usize),
    /// These centers (rows); their length overrides `n_features`.
    Given(Vec<Vec<f64>>),
}

/// The spread of each blob: `make_blobs`'s `cluster_std`.
#[derive(Debug, Clone, PartialEq)]
pub enum ClusterStd {
    /// One deviation for every blob.
    Same(f64),
    /// A deviation per blob.
    PerCenter(Vec<f64>),
}

/// The arguments of `make_blobs`, with scikit-learn's defaults from [`BlobSpec::new`].
#[derive(Debug, Clone, PartialEq)]
pub struct BlobSpec {
    /// `n_samples`.
    pub samples: Samples,
    /// `n_features`.
    pub n_features: usize,
    /// `centers`.
    pub centers: Centers,
    /// `cluster_std`.
    pub cluster_std: ClusterStd,
    /// `center_box`.
    pub center_box: (f64, f64),
    /// `shuffle`.
    pub shuffle: bool,
    /// `random_state`.
    pub seed: u64,
}

impl BlobSpec {
    /// `make_blobs(n_samples, centers=centers, random_state=0)`: 2 features, std 1.0,
    /// box (-10, 10), shuffled.
    pub fn new(n_samples: usize, centers: usize) -> Self {
        Self {
            samples: Samples::Total(n_samples),
            n_features: 2,
            centers: Centers::Count(centers),
            cluster_std: ClusterStd::Same(1.0),
            center_box: (-10.0, 10.0),
            shuffle: true,
            seed: 0,
        }
    }

    /// `n_features = d`.
    pub fn features(mut self, d: usize) -> Self {
        self.n_features = d;
        self
    }

    /// `cluster_std = std` for every blob.
    pub fn std(mut self, std: f64) -> Self {
        self.cluster_std = ClusterStd::Same(std);
        self
    }

    /// `random_state = seed`.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// `shuffle`.
    pub fn shuffle(mut self, shuffle: bool) -> Self {
        self.shuffle = shuffle;
        self
    }
}

/// What can be wrong with a [`BlobSpec`]; the messages follow scikit-learn's checks.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum BlobsError {
    /// No samples.
    #[error("n_samples must be at least 1")]
    NoSamples,
    /// No features.
    #[error("n_features must be at least 1")]
    NoFeatures,
    /// No centers.
    #[error("centers must be at least 1")]
    NoCenters,
    /// Given centers, per-center samples or deviations that do not fit together.
    #[error("{0}")]
    Shape(String),
    /// A negative or infinite deviation.
    #[error("cluster_std must be >= 0 and finite, got {0}")]
    BadStd(f64),
    /// A box that is not finite.
    #[error("center_box ({0}, {1}) must be finite with a finite width")]
    BadBox(f64, f64),
    /// A seed numpy's `RandomState` does not take.
    #[error("the numpy generator takes seeds 0..=4294967295 (2^32 - 1), got {0}")]
    SeedRange(u64),
    /// More samples than numpy's generator draws indices for.
    #[error("the numpy generator supports at most 2^32 samples; use --generator fast")]
    TooManySamples,
}

/// Generated blobs: the points, the blob each came from, and the blob centers.
#[derive(Debug, Clone, PartialEq)]
pub struct Blobs {
    /// The points, `n × d`.
    pub points: Matrix,
    /// The true blob of each point (scikit-learn's `y`, int64).
    pub labels: Vec<i64>,
    /// The blob centers, a row each.
    pub centers: Matrix,
}

/// A [`BlobSpec`] resolved as `make_blobs` resolves it (§3.2–3.4 of the spec).
struct Plan {
    d: usize,
    counts: Vec<usize>,
    stds: Vec<f64>,
    /// `None`: draw `counts.len()` centers from the box.
    given: Option<Vec<f64>>,
}

fn plan(spec: &BlobSpec) -> Result<Plan, BlobsError> {
    let mut d = spec.n_features;
    let mut given = None;
    let n_centers = match (&spec.samples, &spec.centers) {
        (Samples::Total(0), _) => return Err(BlobsError::NoSamples),
        (_, Centers::Count(0)) => return Err(BlobsError::NoCenters),
        (Samples::Total(_), Centers::Default) => 3,
        (Samples::Total(_), Centers::Count(k)) => *k,
        (Samples::PerCenter(c), Centers::Default) => c.len(),
        (Samples::PerCenter(_), Centers::Count(_)) => {
            return Err(BlobsError::Shape(
                "with per-center sample counts, centers must be given as rows or left out".into(),
            ));
        }
        (samples, Centers::Given(rows)) => {
            let cols = rows.first().map_or(0, Vec::len);
            if rows.iter().any(|r| r.len() != cols) {
                return Err(BlobsError::Shape("the given centers are ragged".into()));
            }
            if let Samples::PerCenter(c) = samples
                && c.len() != rows.len()
            {
                return Err(BlobsError::Shape(format!(
                    "{} per-center counts but {} centers",
                    c.len(),
                    rows.len()
                )));
            }
            d = cols;
            given = Some(rows.iter().flatten().copied().collect());
            rows.len()
        }
    };
    if n_centers == 0 {
        return Err(BlobsError::NoCenters);
    }
    if d == 0 {
        return Err(BlobsError::NoFeatures);
    }
    let counts = match &spec.samples {
        Samples::Total(n) => (0..n_centers)
            .map(|i| n / n_centers + usize::from(i < n % n_centers))
            .collect(),
        Samples::PerCenter(c) => c.clone(),
    };
    let stds = match &spec.cluster_std {
        ClusterStd::Same(s) => vec![*s; n_centers],
        ClusterStd::PerCenter(s) if s.len() == n_centers => s.clone(),
        ClusterStd::PerCenter(s) => {
            return Err(BlobsError::Shape(format!(
                "{} cluster_std values for {n_centers} centers",
                s.len()
            )));
        }
    };
    if let Some(&bad) = stds.iter().find(|s| !(s.is_finite() && **s >= 0.0)) {
        return Err(BlobsError::BadStd(bad));
    }
    Ok(Plan {
        d,
        counts,
        stds,
        given,
    })
}

/// Whether `make_blobs(spec, generator)` would succeed, said before any work (a caller
/// can check its outputs between the two).
pub fn check_spec(spec: &BlobSpec, generator: Generator) -> Result<(), BlobsError> {
    validated(spec, generator).map(|_| ())
}

/// The plan of a valid spec: every check `make_blobs` makes, before it draws.
fn validated(spec: &BlobSpec, generator: Generator) -> Result<Plan, BlobsError> {
    let plan = plan(spec)?;
    let (low, high) = spec.center_box;
    if plan.given.is_none() && !(low.is_finite() && (high - low).is_finite()) {
        return Err(BlobsError::BadBox(low, high));
    }
    if generator == Generator::Numpy {
        u32::try_from(spec.seed).map_err(|_| BlobsError::SeedRange(spec.seed))?;
        let total: usize = plan.counts.iter().sum();
        if u32::try_from(total).is_err() {
            return Err(BlobsError::TooManySamples);
        }
    }
    Ok(plan)
}

/// `make_blobs` with the chosen generator.
pub fn make_blobs(spec: &BlobSpec, generator: Generator) -> Result<Blobs, BlobsError> {
    let plan = validated(spec, generator)?;
    let (low, high) = spec.center_box;
    let range = high - low;
    let (points, labels, centers) = match generator {
        Generator::Numpy => numpy_blobs(spec, &plan, low, range),
        Generator::Fast => fast_blobs(spec, &plan, low, range),
    };
    let d = plan.d;
    let matrix = |data| Matrix::new(data, d).expect("generated data has whole rows of d > 0");
    Ok(Blobs {
        points: matrix(points),
        labels,
        centers: matrix(centers),
    })
}

type Drawn = (Vec<f64>, Vec<i64>, Vec<f64>);

/// scikit-learn's draw order (§3.8): centers, then each blob's Gaussians row by row,
/// then one shuffle of the row order.
/// `spec` was [`validated`]: its seed and sample count fit numpy's 32 bits.
fn numpy_blobs(spec: &BlobSpec, plan: &Plan, low: f64, range: f64) -> Drawn {
    let seed = u32::try_from(spec.seed).expect("validated: a 32-bit seed");
    let total: usize = plan.counts.iter().sum();
    let d = plan.d;
    let mut rs = RandomState::new(seed);
    let centers = plan.given.clone().unwrap_or_else(|| {
        (0..plan.counts.len() * d)
            .map(|_| rs.uniform(low, range))
            .collect()
    });
    let mut points = Vec::with_capacity(total * d);
    let mut labels = Vec::with_capacity(total);
    for (i, (&count, &std)) in plan.counts.iter().zip(&plan.stds).enumerate() {
        let center = &centers[i * d..(i + 1) * d];
        for _ in 0..count {
            points.extend(center.iter().map(|&c| c + std * rs.gauss()));
            labels.push(i as i64);
        }
    }
    if spec.shuffle {
        let mut perm: Vec<u32> = (0..total as u32).collect();
        rs.shuffle(&mut perm);
        let rows = points.chunks_exact(d).collect::<Vec<_>>();
        let shuffled = perm
            .iter()
            .flat_map(|&p| rows[p as usize])
            .copied()
            .collect();
        labels = perm.iter().map(|&p| labels[p as usize]).collect();
        points = shuffled;
    }
    (points, labels, centers)
}

/// Chunked, parallel blobs: the labels first (sequential, cheap), then every chunk of
/// rows from its own ChaCha8 stream.
fn fast_blobs(spec: &BlobSpec, plan: &Plan, low: f64, range: f64) -> Drawn {
    let d = plan.d;
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let centers = plan.given.clone().unwrap_or_else(|| {
        (0..plan.counts.len() * d)
            .map(|_| low + range * rng.random::<f64>())
            .collect()
    });
    let mut labels: Vec<i64> = plan
        .counts
        .iter()
        .enumerate()
        .flat_map(|(i, &count)| std::iter::repeat_n(i as i64, count))
        .collect();
    if spec.shuffle {
        labels.shuffle(&mut rng);
    }
    let mut points = vec![0.0; labels.len() * d];
    points
        .par_chunks_mut(FAST_CHUNK_ROWS * d)
        .zip(labels.par_chunks(FAST_CHUNK_ROWS))
        .enumerate()
        .for_each(|(chunk, (rows, labels))| {
            let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
            rng.set_stream(chunk as u64 + 1);
            for (row, &label) in rows.chunks_exact_mut(d).zip(labels) {
                let l = label as usize;
                let center = &centers[l * d..(l + 1) * d];
                for (x, &c) in row.iter_mut().zip(center) {
                    *x = c + plan.stds[l] * rng.sample::<f64, _>(StandardNormal);
                }
            }
        });
    (points, labels, centers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_what_scikit_learn_rejects() {
        let bad = [
            BlobSpec::new(0, 3),
            BlobSpec::new(10, 0),
            BlobSpec::new(10, 3).features(0),
            BlobSpec::new(10, 3).std(-1.0),
            BlobSpec::new(10, 3).seed(1 << 32),
        ];
        for spec in bad {
            assert!(make_blobs(&spec, Generator::Numpy).is_err(), "{spec:?}");
        }
    }

    #[test]
    fn fast_generator_is_seeded_and_balanced() {
        let spec = BlobSpec::new(50_001, 4).features(3).seed(9);
        let a = make_blobs(&spec, Generator::Fast).unwrap();
        assert_eq!(a, make_blobs(&spec, Generator::Fast).unwrap());
        assert_ne!(
            a,
            make_blobs(&spec.clone().seed(10), Generator::Fast).unwrap()
        );
        let mut counts = [0; 4];
        a.labels.iter().for_each(|&l| counts[l as usize] += 1);
        assert_eq!(counts, [12_501, 12_500, 12_500, 12_500]);
        assert_eq!(a.points.n(), 50_001);
    }

    #[test]
    fn fast_generator_ignores_the_thread_count() {
        let spec = BlobSpec::new(3 * FAST_CHUNK_ROWS + 5, 6)
            .features(5)
            .seed(1);
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| make_blobs(&spec, Generator::Fast).unwrap())
        };
        assert_eq!(run(1), run(3));
    }
}
