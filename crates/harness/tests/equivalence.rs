//! Every registered stage against `naive`: the same labels and iterations (and centers
//! within rounding) over a grid of shapes, seeds and inits, and on data built to be
//! awkward: exact ties, duplicates, empty clusters. A stage added to the registry is
//! checked here without editing this file.

use ladder_blobs::BlobSpec;
use ladder_core::{FitParams, Init, Points, Stage};
use ladder_harness::check::Agreement;
use ladder_harness::stages;
use ladder_parallel::ParallelFacts;
use ladder_pruned::{Method, Pruned, PrunedFacts};
use ladder_test_support::{bits, blobs_with, on_threads};

/// Centers may differ by summation order only: a few ulps of the data's scale.
const CENTER_TOLERANCE: f64 = 1e-9;

/// The pruned stage with each of its methods, beside the one it picks on its own.
const PRUNED_METHODS: [Pruned; Method::ALL.len()] = {
    let mut stages = [Pruned::new(); Method::ALL.len()];
    let mut i = 0;
    while i < Method::ALL.len() {
        stages[i] = Pruned::with(Method::ALL[i]);
        i += 1;
    }
    stages
};

fn assert_all_stages_agree(data: &[f64], d: usize, params: &FitParams, what: &str) {
    assert_all_stages_agree_within(data, d, params, what, CENTER_TOLERANCE);
}

/// [`assert_all_stages_agree`], the centers within `tolerance` of naive's.
fn assert_all_stages_agree_within(
    data: &[f64],
    d: usize,
    params: &FitParams,
    what: &str,
    tolerance: f64,
) {
    let points = Points::new(data, d).unwrap();
    let reference = ladder_naive::Naive.fit(points, params).unwrap();
    let extra = PRUNED_METHODS.iter().map(|s| s as &dyn Stage);
    for stage in stages::all()[1..].iter().copied().chain(extra) {
        let fit = stage.fit(points, params).unwrap();
        let a = Agreement::of(&fit, &reference);
        assert!(
            a.same_work() && a.max_center_diff <= tolerance,
            "{} ({:?}) differs from naive on {what} ({params:?}): {a:?}",
            stage.name(),
            fit.details
        );
    }
}

/// Blobs of spread 1.5: `k` of them (between 2 and 8) for a fit with `k` clusters.
fn blobs(n: usize, k: usize, d: usize, seed: u64) -> Vec<f64> {
    let spec = BlobSpec::new(n, k.clamp(2, 8))
        .features(d)
        .std(1.5)
        .seed(seed);
    blobs_with(&spec).into_vec()
}

/// d fixed; k ∈ {1, 2, 10, 64}; n ∈ {k, 1000, 20000}; two seeds; all four inits. The
/// 20 000-point cases stop after 25 passes (the trajectory must still agree pass by pass).
fn grid(d: usize) {
    for k in [1, 2, 10, 64] {
        for n in [k, 1000, 20_000] {
            let seeds: &[u64] = if n == 20_000 { &[0] } else { &[0, 1] };
            for &seed in seeds {
                let data = blobs(n, k, d, seed);
                for init in Init::ALL {
                    let mut params = FitParams::new(k).init(init).seed(seed);
                    if n == 20_000 {
                        params = params.max_iter(25);
                    }
                    let what = format!("blobs n={n} k={k} d={d} seed={seed}");
                    assert_all_stages_agree(&data, d, &params, &what);
                }
            }
        }
    }
}

#[test]
fn grid_d1() {
    grid(1);
}

#[test]
fn grid_d2() {
    grid(2);
}

#[test]
fn grid_d3() {
    grid(3);
}

#[test]
fn grid_d5() {
    grid(5);
}

#[test]
fn grid_d8() {
    grid(8);
}

#[test]
fn grid_d16() {
    grid(16);
}

#[test]
fn beyond_the_tree_dimensions() {
    for d in [17, 64] {
        let data = blobs(600, 5, d, 3);
        for init in Init::ALL {
            assert_all_stages_agree(&data, d, &FitParams::new(7).init(init).seed(2), "d > 16");
        }
    }
}

#[test]
fn the_seed_run() {
    let data = blobs_with(&BlobSpec::new(5000, 4).std(0.6)).into_vec();
    let points = Points::new(&data, 2).unwrap();
    for stage in stages::all() {
        let fit = stage.fit(points, &FitParams::new(10)).unwrap();
        assert_eq!(fit.iterations, 54, "{}", stage.name());
    }
    assert_all_stages_agree(&data, 2, &FitParams::new(10), "the seed run");
}

/// Integer coordinates with many repeats: distances tie exactly all the time.
fn integer_grid(n: usize, d: usize) -> Vec<f64> {
    (0..n * d).map(|i| ((i * i + 3 * i) % 5) as f64).collect()
}

#[test]
fn exact_ties_and_duplicates() {
    for d in [1, 2, 3, 8, 16] {
        let data = integer_grid(500, d);
        for k in [2, 5, 9, 30] {
            for init in Init::ALL {
                let params = FitParams::new(k).init(init).seed(k as u64);
                assert_all_stages_agree(&data, d, &params, &format!("integer grid d={d}"));
            }
        }
    }
    // Symmetric centers around integer points: every point is a tie.
    let data: Vec<f64> = (0..200).map(|i| (i % 3) as f64).collect();
    let params = FitParams::new(3).initial_centers(vec![-0.5, 0.5, 1.5]);
    assert_all_stages_agree(&data, 1, &params, "half-integer centers");
}

#[test]
fn identical_points_and_empty_clusters() {
    for d in [1, 2, 5, 20] {
        let same = vec![0.25; 50 * d];
        assert_all_stages_agree(&same, d, &FitParams::new(4), "identical points");
        let data = blobs(400, 3, d, 9);
        // Two centers far away never win a point: they must keep their place.
        let mut centers = data[..3 * d].to_vec();
        centers.extend(std::iter::repeat_n(1e6, d));
        centers.extend(std::iter::repeat_n(-1e6, d));
        let params = FitParams::new(5).initial_centers(centers);
        assert_all_stages_agree(&data, d, &params, "far centers");
    }
}

#[test]
fn coordinates_past_the_single_precision_scans_limit() {
    // Squared norms near 1e34: the f32 filter scan declines, the f64 scans take over.
    // Same labels, iterations and stop as naive; centers within rounding relative to
    // their size (the shared absolute tolerance is for data of unit scale).
    const SCALE: f64 = 1e16;
    for d in [8, 20] {
        let data: Vec<f64> = blobs(600, 4, d, 3).iter().map(|v| v * SCALE).collect();
        let (params, tolerance) = (FitParams::new(6), CENTER_TOLERANCE * SCALE);
        assert_all_stages_agree_within(&data, d, &params, "huge coordinates", tolerance);
    }
}

#[test]
fn k_equals_n_and_one_point() {
    for d in [1, 2, 7] {
        let data = blobs(12, 3, d, 4);
        for init in Init::ALL {
            assert_all_stages_agree(&data, d, &FitParams::new(12).init(init), "k = n");
        }
        assert_all_stages_agree(&data[..d], d, &FitParams::new(1), "one point");
    }
}

/// The parallel and pruned stages give bit-identical results for any number of threads,
/// and `naive`'s labels; the shapes are large enough to run their multi-threaded paths.
#[test]
fn parallel_and_pruned_are_identical_for_any_thread_count() {
    let threads_of = |fit: &ladder_core::Fit| {
        let parallel = fit.details.get::<ParallelFacts>().map(|f| f.threads);
        parallel.or(fit.details.get::<PrunedFacts>().map(|f| f.threads))
    };
    let stages: [&dyn Stage; 2] = [&ladder_parallel::Parallel::new(), &Pruned::new()];
    for ((n, k, d, init), stage) in [
        (20_000, 64, 1, Init::LastK),
        (30_000, 10, 8, Init::KMeansPlusPlus),
        (9_000, 50, 16, Init::Random),
        (5_000, 40, 24, Init::FirstK),
    ]
    .into_iter()
    .flat_map(|case| stages.map(|stage| (case, stage)))
    {
        let data = blobs(n, k, d, 11);
        let points = Points::new(&data, d).unwrap();
        let params = FitParams::new(k).init(init).seed(5).max_iter(40);
        let fits: Vec<_> = [1, 2, 3]
            .into_iter()
            .map(|threads| on_threads(threads, || stage.fit(points, &params).unwrap()))
            .collect();
        assert_eq!(
            threads_of(&fits[1]),
            Some(2),
            "{} n={n} k={k} d={d} ran single-threaded",
            stage.name()
        );
        for f in &fits[1..] {
            assert_eq!(f.labels, fits[0].labels);
            assert_eq!(f.iterations, fits[0].iterations);
            assert_eq!(
                bits(&f.centers),
                bits(&fits[0].centers),
                "n={n} k={k} d={d}"
            );
        }
        assert_all_stages_agree(&data, d, &params, &format!("threads n={n} k={k} d={d}"));
    }
}

/// Random shapes, inits and spreads, with the coordinates rounded to tenths or to whole
/// numbers: many duplicates and near-ties, and sums that are not exact in binary.
#[test]
fn random_shapes_on_rounded_data() {
    let mut state = 7u64;
    let mut draw = |m: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % m
    };
    for case in 0..60u64 {
        let n = 20 + draw(2000) as usize;
        let d = 1 + draw(12) as usize;
        let k = (1 + draw(40) as usize).min(n);
        let spec = BlobSpec::new(n, 1 + draw(8) as usize)
            .features(d)
            .std(0.3 + draw(30) as f64 / 10.0)
            .seed(case);
        let mut data = blobs_with(&spec).into_vec();
        let scale = if case % 2 == 0 { 10.0 } else { 1.0 };
        for x in &mut data {
            *x = (*x * scale).round() / scale;
        }
        let init = Init::ALL[case as usize % Init::ALL.len()];
        let params = FitParams::new(k).init(init).seed(case).max_iter(300);
        let what = format!("rounded blobs case {case}: n={n} d={d} k={k}");
        assert_all_stages_agree(&data, d, &params, &what);
    }
}

/// The pruned rung's hard cases in the dimensions its group bounds serve: blobs rounded to
/// whole numbers in d = 16 and d = 64 (exact ties between centers all the time), initial
/// centers that repeat (duplicate centers tie on every point, and the later one stays
/// empty), and centers that never win a point.
#[test]
fn rounded_data_in_16_and_64_dimensions() {
    for (n, d, k) in [(3000, 16, 40), (1500, 64, 70)] {
        let spec = BlobSpec::new(n, 6).features(d).std(2.0).seed(d as u64);
        let mut data = blobs_with(&spec).into_vec();
        for x in &mut data {
            *x = (*x / 2.0).round();
        }
        for init in Init::ALL {
            let params = FitParams::new(k).init(init).seed(3).max_iter(200);
            assert_all_stages_agree(&data, d, &params, &format!("rounded d={d}"));
        }
        // Every fifth initial center repeats the one before it; two are far away.
        let mut centers = Vec::with_capacity(k * d);
        for j in 0..k - 2 {
            let row = (j - usize::from(j % 5 == 4)) * 37 % n;
            centers.extend_from_slice(&data[row * d..(row + 1) * d]);
        }
        centers.extend(std::iter::repeat_n(1e4, d));
        centers.extend(std::iter::repeat_n(-1e4, d));
        let params = FitParams::new(k).initial_centers(centers);
        assert_all_stages_agree(&data, d, &params, &format!("duplicate centers d={d}"));
    }
}
