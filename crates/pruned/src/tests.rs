//! The `pruned` stage's own tests: it skips most of the work and does the same work.

use super::*;
use ladder_core::{FitParams, Points};
use ladder_test_support::{bits, clustered, on_threads};

#[test]
fn bounds_skip_most_scans_and_do_the_same_work_as_brute_force() {
    let (n, d, k) = (3000, 2, 10);
    let data = clustered(n, d, 4);
    let points = Points::new(&data, d).unwrap();
    let params = FitParams::new(k);
    let pruned = Pruned::new().fit(points, &params).unwrap();
    let brute = ladder_naive::Naive.fit(points, &params).unwrap();
    assert_eq!(pruned.labels, brute.labels);
    assert_eq!(pruned.iterations, brute.iterations);
    assert!(pruned.iterations > 5, "{} passes", pruned.iterations);
    for (a, b) in pruned.centers.iter().zip(&brute.centers) {
        assert!((a - b).abs() <= 1e-12 * (1.0 + b.abs()), "{a} vs {b}");
    }
    let facts = pruned.details.get::<PrunedFacts>().unwrap();
    assert_eq!(facts.method, Method::Hamerly);
    assert_eq!(facts.passes.len(), pruned.iterations);
    let all = (n * k * pruned.iterations) as u64;
    assert!(facts.distance_evaluations < all / 2, "{facts:?}");
    assert_eq!(
        pruned.distance_evaluations,
        Some(facts.distance_evaluations)
    );
    // The first pass scans everything; later ones skip.
    assert_eq!(facts.passes[0].distance_evaluations, (n * k) as u64);
    assert!(facts.bound_bytes.0 <= (n * d * 8) as u64);
}

/// Large enough for the threaded path: the same bits for 1, 2 and 3 threads.
#[test]
fn any_thread_count_gives_the_same_bits() {
    for (n, d, k) in [(30_000, 2, 40), (12_000, 5, 30)] {
        let data = clustered(n, d, 7);
        let points = Points::new(&data, d).unwrap();
        let params = FitParams::new(k).max_iter(30);
        let fits: Vec<Fit> = [1, 2, 3]
            .into_iter()
            .map(|threads| on_threads(threads, || Pruned::new().fit(points, &params).unwrap()))
            .collect();
        let threads = fits[1].details.get::<PrunedFacts>().unwrap().threads;
        assert_eq!(threads, 2, "n={n} d={d} k={k} ran on one thread");
        for f in &fits[1..] {
            assert_eq!(f.labels, fits[0].labels);
            assert_eq!(f.iterations, fits[0].iterations);
            assert_eq!(bits(&f.centers), bits(&fits[0].centers));
        }
        let naive = ladder_naive::Naive.fit(points, &params).unwrap();
        assert_eq!(fits[0].labels, naive.labels);
        assert_eq!(fits[0].iterations, naive.iterations);
    }
}

#[test]
fn pruning_names_parse() {
    assert_eq!("auto".parse::<Pruning>(), Ok(Pruning::Auto));
    assert_eq!(
        "hamerly".parse::<Pruning>(),
        Ok(Pruning::Fixed(Method::Hamerly))
    );
    assert!("fast".parse::<Pruning>().is_err());
}
