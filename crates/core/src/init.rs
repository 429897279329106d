//! Initial centers, chosen once here for every stage and engine so that all rungs start
//! alike; [`crate::FitParams::check`] calls this, and the checked fit carries them.
//!
//! The seeded inits use `rand`'s ChaCha8 generator (`ChaCha8Rng::seed_from_u64(seed)`), a
//! named, portable generator: the same seed gives the same centers on every machine and
//! for every stage and thread count.

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};

use crate::{FitParams, Init, PointSource, Points, sq_dist};

/// The `k × d` initial centers (row-major) of a fit whose shape and parameters
/// [`FitParams::check_source`] has checked: `params.initial_centers` if given, else the
/// rows `params.init` chooses, read from `source`. The one choice of initial rows, for
/// every engine.
pub(crate) fn initial_centers<S: PointSource>(
    source: &S,
    params: &FitParams,
) -> Result<Vec<f64>, S::Error> {
    if let Some(centers) = &params.initial_centers {
        return Ok(centers.clone());
    }
    let (n, d, k) = (source.n(), source.d(), params.k);
    let rows: Vec<usize> = match params.init {
        Init::LastK => (n - k..n).collect(),
        Init::FirstK => (0..k).collect(),
        Init::Random => random_rows(n, k, params.seed),
        Init::KMeansPlusPlus => {
            let all = source.read_all()?;
            kmeans_plus_plus_rows(Points::new(&all, d)?, k, params.seed)
        }
    };
    let mut centers = vec![0.0; k * d];
    for (center, &row) in centers.chunks_exact_mut(d).zip(&rows) {
        source.read_rows(row, center)?;
    }
    Ok(centers)
}

/// `k` distinct row indices drawn uniformly, in the order drawn.
pub fn random_rows(n: usize, k: usize, seed: u64) -> Vec<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rand::seq::index::sample(&mut rng, n, k).into_vec()
}

/// k-means++ seeding: the first row uniformly, then each next row with probability
/// proportional to its squared distance to the nearest row already chosen (a row at
/// distance 0, such as a chosen one, is never drawn while any positive weight remains).
/// When every remaining weight is 0 (fewer distinct points than `k`), the first rows not
/// yet chosen are taken in order, so the result is still `k` distinct rows.
pub fn kmeans_plus_plus_rows(points: Points<'_>, k: usize, seed: u64) -> Vec<usize> {
    let n = points.n();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let first = rng.random_range(0..n);
    let mut chosen = vec![first];
    let mut weight: Vec<f64> = points
        .rows()
        .map(|p| sq_dist(p, points.row(first)))
        .collect();
    while chosen.len() < k {
        let total: f64 = weight.iter().sum();
        let next = if total > 0.0 {
            let target = rng.random::<f64>() * total;
            let mut acc = 0.0;
            // The last row of positive weight, in case rounding leaves `acc <= target`.
            let mut pick = weight.iter().rposition(|&w| w > 0.0).unwrap_or(0);
            for (i, &w) in weight.iter().enumerate() {
                acc += w;
                if w > 0.0 && acc > target {
                    pick = i;
                    break;
                }
            }
            pick
        } else {
            (0..n).find(|i| !chosen.contains(i)).unwrap_or(0)
        };
        chosen.push(next);
        let c = points.row(next);
        for (w, p) in weight.iter_mut().zip(points.rows()) {
            *w = w.min(sq_dist(p, c));
        }
        weight[next] = 0.0;
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(n: usize) -> Vec<f64> {
        (0..n)
            .flat_map(|i| [i as f64, (i * i % 7) as f64])
            .collect()
    }

    #[test]
    fn last_and_first_k_take_the_ends() {
        let data = grid(6);
        let p = Points::new(&data, 2).unwrap();
        let start = |params: &FitParams| params.check(p).unwrap().initial_centers().to_vec();
        assert_eq!(start(&FitParams::new(2)), data[8..12].to_vec());
        assert_eq!(
            start(&FitParams::new(2).init(Init::FirstK)),
            data[0..4].to_vec()
        );
    }

    #[test]
    fn seeded_inits_are_reproducible_distinct_and_seed_dependent() {
        let data = grid(200);
        let p = Points::new(&data, 2).unwrap();
        for init in [Init::Random, Init::KMeansPlusPlus] {
            let params = FitParams::new(8).init(init).seed(7);
            let start = |params: &FitParams| params.check(p).unwrap().initial_centers().to_vec();
            let a = start(&params);
            assert_eq!(a, start(&params), "{init} is not reproducible");
            assert_ne!(a, start(&params.clone().seed(8)), "{init} ignores seed");
            let rows = match init {
                Init::Random => random_rows(200, 8, 7),
                _ => kmeans_plus_plus_rows(p, 8, 7),
            };
            let mut distinct = rows.clone();
            distinct.sort();
            distinct.dedup();
            assert_eq!(distinct.len(), 8, "{init} repeated a row: {rows:?}");
        }
    }

    #[test]
    fn kmeans_plus_plus_handles_fewer_distinct_points_than_k() {
        let data = [1.0, 1.0, 1.0, 2.0, 2.0];
        let p = Points::new(&data, 1).unwrap();
        let mut rows = kmeans_plus_plus_rows(p, 5, 3);
        rows.sort();
        assert_eq!(rows, vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn kmeans_plus_plus_prefers_far_points() {
        // 99 points at 0 and one at 1000: the second center is the far point.
        let mut data = vec![0.0; 99];
        data.push(1000.0);
        let p = Points::new(&data, 1).unwrap();
        for seed in 0..20 {
            let rows = kmeans_plus_plus_rows(p, 2, seed);
            if rows[0] != 99 {
                assert_eq!(rows[1], 99, "seed {seed}: {rows:?}");
            }
        }
    }
}
