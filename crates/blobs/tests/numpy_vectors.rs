//! Every test vector of the bit-exact `make_blobs` specification, compared as bits.
//! The vectors (`tests/data/blob_vectors.json` at the workspace root) were produced by
//! numpy 2.4.6 and scikit-learn 1.9.1.

use ladder_blobs::mt19937::RandomState;
use ladder_blobs::{BlobSpec, Centers, ClusterStd, Generator, Samples, make_blobs};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn vectors() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/data/blob_vectors.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Parses a C99 hex float such as `-0x1.18fe1565f12a8p-1` (normal numbers only).
fn hex(s: &str) -> f64 {
    let (sign, rest) = match s.strip_prefix('-') {
        Some(r) => (-1.0, r),
        None => (1.0, s),
    };
    let rest = rest.strip_prefix("0x").expect("hex float");
    let (mantissa, exp) = rest.split_once('p').expect("hex float exponent");
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut bits = u64::from_str_radix(int, 16).unwrap();
    for c in frac.chars() {
        bits = bits * 16 + c.to_digit(16).unwrap() as u64;
    }
    let exp: i32 = exp.parse().unwrap();
    // Exact: the mantissa has at most 53 significant bits and scaling by 2^e is exact.
    sign * bits as f64 * 2f64.powi(exp - 4 * frac.len() as i32)
}

fn hexes(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .flat_map(|x| match x {
            Value::Array(row) => row.iter().map(|h| hex(h.as_str().unwrap())).collect(),
            h => vec![hex(h.as_str().unwrap())],
        })
        .collect()
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn hex_parser_reads_the_spec_examples() {
    assert_eq!(hex("0x1.18fe1565f12a8p-1"), 0.548_813_503_927_324_8);
    assert_eq!(hex("-0x1.86e32e70eb530p+0"), -1.526_904_013_221_905_4);
}

#[test]
fn random_state_primitives_match_numpy() {
    let v = vectors();
    let sets = v["primitives"].as_array().unwrap();
    assert_eq!(sets.len(), 5);
    for set in sets {
        let seed = set["seed"].as_u64().unwrap() as u32;
        let ctx = format!("seed {seed}");

        let mut rs = RandomState::new(seed);
        let words: Vec<u64> = (0..5).map(|_| rs.next_u32() as u64).collect();
        let want: Vec<u64> = set["raw_u32_first5"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w.as_u64().unwrap())
            .collect();
        assert_eq!(words, want, "{ctx}: raw words");

        let mut rs = RandomState::new(seed);
        let mut at = set["raw_u32_at"]
            .as_object()
            .unwrap()
            .iter()
            .collect::<Vec<_>>();
        at.sort_by_key(|(k, _)| k.parse::<usize>().unwrap());
        let mut pos = 0;
        for (k, want) in at {
            let k: usize = k.parse().unwrap();
            while pos < k {
                rs.next_u32();
                pos += 1;
            }
            assert_eq!(
                rs.next_u32() as u64,
                want.as_u64().unwrap(),
                "{ctx}: word {k}"
            );
            pos += 1;
        }

        let mut rs = RandomState::new(seed);
        let doubles: Vec<f64> = (0..5).map(|_| rs.next_double()).collect();
        assert_eq!(
            bits(&doubles),
            bits(&hexes(&set["random_sample_first5_hex"])),
            "{ctx}"
        );

        let mut rs = RandomState::new(seed);
        let normals: Vec<f64> = (0..5).map(|_| rs.gauss()).collect();
        assert_eq!(
            bits(&normals),
            bits(&hexes(&set["standard_normal_first5_hex"])),
            "{ctx}"
        );

        let mut rs = RandomState::new(seed);
        let uniforms: Vec<f64> = (0..5).map(|_| rs.uniform(-10.0, 20.0)).collect();
        assert_eq!(
            bits(&uniforms),
            bits(&hexes(&set["uniform_m10_10_first5_hex"])),
            "{ctx}"
        );

        let mut rs = RandomState::new(seed);
        let mut perm: Vec<u64> = (0..10).collect();
        rs.shuffle(&mut perm);
        let want: Vec<u64> = set["shuffle_arange10"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w.as_u64().unwrap())
            .collect();
        assert_eq!(perm, want, "{ctx}: shuffle");
    }
}

/// The `BlobSpec` for one vector set's `params`, written as scikit-learn received them.
fn spec(p: &Value) -> BlobSpec {
    let samples = match &p["n_samples"] {
        Value::Array(c) => {
            Samples::PerCenter(c.iter().map(|x| x.as_u64().unwrap() as usize).collect())
        }
        n => Samples::Total(n.as_u64().unwrap() as usize),
    };
    let centers = match &p["centers"] {
        Value::Null => Centers::Default,
        k => Centers::Count(k.as_u64().unwrap() as usize),
    };
    let cluster_std = match &p["cluster_std"] {
        Value::Array(s) => ClusterStd::PerCenter(s.iter().map(|x| x.as_f64().unwrap()).collect()),
        s => ClusterStd::Same(s.as_f64().unwrap()),
    };
    let b = p["center_box"].as_array().unwrap();
    BlobSpec {
        samples,
        n_features: p["n_features"].as_u64().unwrap() as usize,
        centers,
        cluster_std,
        center_box: (b[0].as_f64().unwrap(), b[1].as_f64().unwrap()),
        shuffle: p["shuffle"].as_bool().unwrap(),
        seed: p["random_state"].as_u64().unwrap(),
    }
}

#[test]
fn make_blobs_matches_scikit_learn_bit_for_bit() {
    let v = vectors();
    let sets = v["make_blobs"].as_array().unwrap();
    assert_eq!(sets.len(), 4);
    for set in sets {
        let spec = spec(&set["params"]);
        let ctx = format!("{:?}", set["params"]);
        let blobs = make_blobs(&spec, Generator::Numpy).unwrap();
        let (x, y) = (blobs.points.as_slice(), &blobs.labels);
        let d = blobs.points.d();
        assert_eq!(
            blobs.points.n() as u64,
            set["n_rows"].as_u64().unwrap(),
            "{ctx}"
        );
        assert_eq!(d as u64, set["n_features"].as_u64().unwrap(), "{ctx}");

        assert_eq!(
            bits(blobs.centers.as_slice()),
            bits(&hexes(&set["centers_hex"])),
            "{ctx}: centers"
        );
        let first = hexes(&set["first_rows_hex"]);
        assert_eq!(bits(&x[..first.len()]), bits(&first), "{ctx}: first rows");
        let last = hexes(&set["last_row_hex"]);
        assert_eq!(bits(&x[x.len() - d..]), bits(&last), "{ctx}: last row");
        let first_labels: Vec<i64> = set["first_labels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_i64().unwrap())
            .collect();
        assert_eq!(
            y[..first_labels.len()],
            first_labels[..],
            "{ctx}: first labels"
        );
        assert_eq!(
            *y.last().unwrap(),
            set["last_label"].as_i64().unwrap(),
            "{ctx}"
        );
        assert_eq!(
            y.iter().sum::<i64>(),
            set["label_sum"].as_i64().unwrap(),
            "{ctx}"
        );
        let counts: Vec<i64> = set["label_counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_i64().unwrap())
            .collect();
        for (i, &c) in counts.iter().enumerate() {
            assert_eq!(
                y.iter().filter(|&&l| l == i as i64).count() as i64,
                c,
                "{ctx}"
            );
        }

        let sum = x.iter().fold(0.0, |a, b| a + b);
        assert_eq!(
            sum.to_bits(),
            hex(set["sum_all_sequential_hex"].as_str().unwrap()).to_bits(),
            "{ctx}"
        );
        let column_sums: Vec<f64> = (0..d)
            .map(|c| x.iter().skip(c).step_by(d).fold(0.0, |a, b| a + b))
            .collect();
        assert_eq!(
            bits(&column_sums),
            bits(&hexes(&set["column_sums_sequential_hex"])),
            "{ctx}"
        );

        let x_bytes: Vec<u8> = x.iter().flat_map(|v| v.to_le_bytes()).collect();
        let y_bytes: Vec<u8> = y.iter().flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(
            sha256_hex(&x_bytes),
            set["sha256_X_float64_le_rowmajor"].as_str().unwrap(),
            "{ctx}: X"
        );
        assert_eq!(
            sha256_hex(&y_bytes),
            set["sha256_y_int64_le"].as_str().unwrap(),
            "{ctx}: y"
        );
    }
}

#[test]
fn unshuffled_blobs_are_grouped_and_the_same_draws() {
    // Without the shuffle the rows are the same multiset, grouped by center in order.
    let shuffled = make_blobs(&BlobSpec::new(1000, 3), Generator::Numpy).unwrap();
    let grouped = make_blobs(&BlobSpec::new(1000, 3).shuffle(false), Generator::Numpy).unwrap();
    assert!(grouped.labels.windows(2).all(|w| w[0] <= w[1]));
    let sorted = |b: &ladder_blobs::Blobs| {
        let mut rows: Vec<Vec<u64>> = b.points.view().rows().map(bits).collect();
        rows.sort();
        rows
    };
    assert_eq!(sorted(&shuffled), sorted(&grouped));
    assert_eq!(shuffled.centers, grouped.centers);
}
