//! The seed run, reproduced exactly: `make_blobs(5000, centers=4, cluster_std=0.60,
//! random_state=0)`, k = 10, the last 10 points as initial centers. The reference
//! (`tests/data/seed_run.json`) was computed with the seed's pure-Python code.

use ladder_blobs::{BlobSpec, Generator, make_blobs};
use ladder_core::{FitParams, Stage};
use ladder_naive::Naive;
use ladder_test_support::{bits, labels_of, seed_reference};

#[test]
fn naive_reproduces_the_seed_run_bit_for_bit() {
    let reference = seed_reference();
    let blobs = make_blobs(&BlobSpec::new(5000, 4).std(0.60), Generator::Numpy).unwrap();
    let fit = Naive.fit(blobs.points.view(), &FitParams::new(10)).unwrap();

    assert_eq!(fit.iterations, 54);
    assert_eq!(reference["iterations_counting_final_check"], 54);
    assert!(fit.converged);

    let labels = labels_of(&reference["labels"]);
    assert_eq!(labels.len(), 5000);
    assert_eq!(fit.labels, labels);

    // Python's repr is the shortest string that reads back to the same double, and Rust's
    // parser rounds correctly: comparing parsed bits compares the doubles exactly.
    let centers: Vec<u64> = reference["final_centers_repr"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c.as_array().unwrap().iter())
        .map(|x| x.as_str().unwrap().parse::<f64>().unwrap().to_bits())
        .collect();
    assert_eq!(bits(&fit.centers), centers);

    let inertia: f64 = reference["inertia_repr"].as_str().unwrap().parse().unwrap();
    assert_eq!(fit.inertia.to_bits(), inertia.to_bits());
}
