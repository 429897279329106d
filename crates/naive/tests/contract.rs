//! The contract of a fit (see `ladder_core`), checked on the reference stage: ties,
//! duplicates, empty clusters, k = 1, k = n, a `max_iter` cut, and each init.

use ladder_core::{Fit, FitError, FitParams, Init, Points, Stage, StageError, nearest, sq_dist};
use ladder_naive::Naive;

fn fit(data: &[f64], d: usize, params: &FitParams) -> Fit {
    Naive.fit(Points::new(data, d).unwrap(), params).unwrap()
}

fn blobs(n: usize, centers: usize, d: usize, seed: u64) -> Vec<f64> {
    ladder_test_support::blobs(n, centers, d, seed).into_vec()
}

/// Checks what holds for every fit: labels are the nearest of the centers they were
/// computed from (lowest index on ties), and `centers` are those labels' means (or the
/// old center for an empty cluster). The pre-update centers are recovered by refitting
/// with one pass fewer.
fn assert_consistent(data: &[f64], d: usize, params: &FitParams, f: &Fit) {
    let points = Points::new(data, d).unwrap();
    let before = if f.iterations == 1 {
        params.check(points).unwrap().initial_centers().to_vec()
    } else {
        fit(data, d, &params.clone().max_iter(f.iterations - 1)).centers
    };
    for (i, p) in points.rows().enumerate() {
        assert_eq!(
            f.labels[i],
            nearest(p, &before).0,
            "point {i} is not at its nearest center"
        );
    }
    for j in 0..params.k {
        let members: Vec<&[f64]> = points
            .rows()
            .zip(&f.labels)
            .filter(|&(_, &l)| l as usize == j)
            .map(|(p, _)| p)
            .collect();
        let want: Vec<f64> = if members.is_empty() {
            before[j * d..(j + 1) * d].to_vec()
        } else {
            (0..d)
                .map(|t| members.iter().fold(0.0, |a, p| a + p[t]) / members.len() as f64)
                .collect()
        };
        assert_eq!(f.center(j), &want[..], "center {j}");
    }
    let inertia = points.rows().zip(&f.labels).fold(0.0, |a, (p, &l)| {
        a + sq_dist(p, &before[l as usize * d..(l as usize + 1) * d])
    });
    assert_eq!(f.inertia, inertia);
}

#[test]
fn ties_go_to_the_lowest_center_index() {
    // 1.0 is exactly halfway between the centers 2.0 (index 0) and 0.0 (index 1).
    let data = [1.0, 0.0, 2.0];
    let params = FitParams::new(2)
        .initial_centers(vec![2.0, 0.0])
        .max_iter(1);
    assert_eq!(fit(&data, 1, &params).labels, vec![0, 1, 0]);
    let swapped = FitParams::new(2)
        .initial_centers(vec![0.0, 2.0])
        .max_iter(1);
    assert_eq!(fit(&data, 1, &swapped).labels, vec![0, 0, 1]);
    // In 2-D: (0,0) is equidistant from (1,0), (0,1), (-1,0), (0,-1).
    let data = [0.0, 0.0, 5.0, 5.0, 6.0, 6.0, 7.0, 7.0];
    let centers = vec![5.0, 5.0, 1.0, 0.0, 0.0, 1.0, -1.0, 0.0];
    let f = fit(
        &data,
        2,
        &FitParams::new(4).initial_centers(centers).max_iter(1),
    );
    assert_eq!(f.labels, vec![1, 0, 0, 0]);
}

#[test]
fn identical_centers_leave_all_but_the_first_empty() {
    // Every point the same: all start centers coincide, cluster 0 takes everything,
    // the empty clusters keep their centers, and the first update changes nothing.
    let data = [3.5, -1.0].repeat(20);
    let f = fit(&data, 2, &FitParams::new(3));
    assert_eq!(f.labels, vec![0; 20]);
    assert_eq!(f.iterations, 1);
    assert!(f.converged);
    assert_eq!(f.centers, [3.5, -1.0].repeat(3));
    assert_eq!(f.inertia, 0.0);
}

#[test]
fn duplicate_points_are_counted_each_time() {
    let mut data = blobs(300, 3, 2, 4);
    let copy = data[..200].to_vec();
    data.extend_from_slice(&copy); // rows 300..400 repeat rows 0..100
    for init in Init::ALL {
        let params = FitParams::new(5).init(init).seed(1);
        let f = fit(&data, 2, &params);
        assert!(f.converged);
        assert_eq!(f.labels[300..], f.labels[..100], "{init}");
        assert_consistent(&data, 2, &params, &f);
    }
}

#[test]
fn an_empty_cluster_keeps_its_center_exactly() {
    let data = blobs(200, 2, 2, 0);
    let far = [1e6, -1e6];
    let mut centers = data[..4].to_vec();
    centers.extend_from_slice(&far);
    let params = FitParams::new(3).initial_centers(centers);
    let f = fit(&data, 2, &params);
    assert!(!f.labels.contains(&2));
    assert_eq!(f.center(2), &far);
    assert_consistent(&data, 2, &params, &f);
}

#[test]
fn k_one_is_the_mean_in_point_order() {
    let data = blobs(101, 3, 3, 2);
    let f = fit(&data, 3, &FitParams::new(1));
    let mean: Vec<f64> = (0..3)
        .map(|t| data.iter().skip(t).step_by(3).fold(0.0, |a, b| a + b) / 101.0)
        .collect();
    assert_eq!(f.centers, mean);
    assert_eq!(f.labels, vec![0; 101]);
    assert_eq!(f.iterations, 2);
}

#[test]
fn k_equal_to_n_gives_every_point_its_own_cluster() {
    let data = blobs(40, 3, 2, 5);
    for init in [Init::LastK, Init::FirstK] {
        let f = fit(&data, 2, &FitParams::new(40).init(init));
        assert_eq!(f.labels, (0..40).collect::<Vec<u32>>());
        assert_eq!(f.iterations, 1);
        assert_eq!(f.centers, data);
        assert_eq!(f.inertia, 0.0);
    }
    // Random and k-means++ pick the rows in another order: still a permutation.
    let f = fit(&data, 2, &FitParams::new(40).init(Init::Random).seed(3));
    let mut labels = f.labels.clone();
    labels.sort();
    assert_eq!(labels, (0..40).collect::<Vec<u32>>());
}

#[test]
fn a_max_iter_cut_stops_where_the_full_run_was() {
    let data = blobs(2000, 5, 2, 3);
    let full = fit(&data, 2, &FitParams::new(12));
    assert!(full.converged && full.iterations > 5, "{}", full.iterations);
    let cut = fit(&data, 2, &FitParams::new(12).max_iter(5));
    assert_eq!(cut.iterations, 5);
    assert!(!cut.converged);
    // Resuming from the cut's centers finishes the same run.
    let rest = fit(
        &data,
        2,
        &FitParams::new(12).initial_centers(cut.centers.clone()),
    );
    assert_eq!(rest.iterations, full.iterations - 5);
    assert_eq!(rest.labels, full.labels);
    assert_eq!(rest.centers, full.centers);
    assert_consistent(&data, 2, &FitParams::new(12).max_iter(5), &cut);
}

#[test]
fn every_init_is_deterministic_and_consistent() {
    let data = blobs(500, 4, 3, 8);
    for init in Init::ALL {
        for seed in [0, 1, 99] {
            let params = FitParams::new(6).init(init).seed(seed);
            let a = fit(&data, 3, &params);
            let b = fit(&data, 3, &params);
            assert_eq!(
                (&a.labels, &a.centers, a.iterations),
                (&b.labels, &b.centers, b.iterations)
            );
            assert_consistent(&data, 3, &params, &a);
        }
    }
}

#[test]
fn invalid_input_is_an_error_not_a_panic() {
    let data = [0.0, 1.0, f64::NAN, 2.0];
    let p = Points::new(&data, 2).unwrap();
    let input_error = |result: Result<Fit, StageError>| match result {
        Err(StageError::Input(e)) => e,
        other => panic!("not an input error: {other:?}"),
    };
    assert!(matches!(
        input_error(Naive.fit(p, &FitParams::new(1))),
        FitError::NonFinite { row: 1, col: 0, .. }
    ));
    let p = Points::new(&data[..2], 2).unwrap();
    assert_eq!(
        input_error(Naive.fit(p, &FitParams::new(2))),
        FitError::KTooLarge { k: 2, n: 1 }
    );
    assert_eq!(
        input_error(Naive.fit(p, &FitParams::new(0))),
        FitError::KZero
    );
}
