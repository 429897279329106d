//! The `parallel` stage's own tests: the kernel variants against the contract, and which
//! path each shape takes.

use super::*;
use crate::isa::Kernel;
use crate::isa::tests::sqrt32_bounds;
use crate::kernel::{BoundsGroup, GapGroup, Pending, Swept, Top2, Top2Gaps};
use ladder_core::{FitParams, Points, sq_dist};
use ladder_test_support::clustered;

#[test]
fn a_kernel_is_detected_and_named() {
    let data: Vec<f64> = (0..40).map(f64::from).collect();
    let fit = Parallel::new()
        .fit(Points::new(&data, 2).unwrap(), &FitParams::new(3))
        .unwrap();
    let facts = fit.details.get::<ParallelFacts>().unwrap();
    assert_eq!(facts.kernel, Kernel::detect().simd());
    let json = fit.details.to_json();
    assert!(["avx512", "avx2", "baseline"].contains(&json["kernel"].as_str().unwrap()));
}

#[test]
fn every_kernel_variant_gives_the_same_labels() {
    for d in [5, 8, 20] {
        let n = 999;
        // Integer-valued data: many exact ties between centers.
        let data: Vec<f64> = (0..n * d).map(|i| ((i * 37) % 11) as f64).collect();
        let points = Points::new(&data, d).unwrap();
        let centers: Vec<f64> = data[..7 * d].to_vec();
        let mut want = vec![0; n];
        ladder_core::assign_nearest(points, &centers, &mut want);
        let layout = Layout::new(points);
        let dot = DotCenters::new(&centers, d);
        let kernels = [
            (Kernel::BASELINE, None),
            (layout.kernel(), None),
            (layout.kernel(), Some(&dot)),
        ];
        for (kernel, dot) in kernels {
            if dot.is_some() && !kernel.has_fma() {
                continue;
            }
            let mut got = vec![0; n];
            let block = Block {
                groups: layout.groups(),
                norms: layout.norms(),
                rows: &data,
                labels: &mut got,
            };
            kernel.assign_block(block, &centers, dot, d);
            assert_eq!(got, want, "{kernel:?}, dot: {}, d = {d}", dot.is_some());
        }
    }
}

#[test]
fn every_kernel_variant_gives_the_same_top_two_and_test() {
    // Every kernel the CPU has: each gathers the scattered rows its own way (AVX2 two
    // features at a time, an odd last one alone).
    let kernels = Kernel::all();
    // 203 points end in a pair of groups, 197 in a single group.
    for (d, n) in [(1, 203), (2, 197), (3, 197), (16, 203), (17, 203)] {
        let data: Vec<f64> = (0..n * d).map(|i| ((i * 37) % 11) as f64 * 0.5).collect();
        let centers: Vec<f64> = data[..9 * d].to_vec();
        // Scattered rows (a permutation), as the bounds' failures are.
        let idx: Vec<u32> = (0..n as u32).map(|i| i * 61 % n as u32).collect();
        let top2 = |kernel: Kernel, slack: Option<f64>| {
            let (mut labels, mut best, mut second) = (vec![0; n], vec![0.0; n], vec![0.0; n]);
            let mut scratch = vec![0.0; 2 * LANES * d];
            let out = Top2 {
                slack,
                labels: &mut labels,
                best: &mut best,
                second: &mut second,
            };
            let pending = Pending {
                rows: &data,
                idx: &idx,
            };
            kernel.top2(pending, &centers, d, &mut scratch, out);
            (labels, best, second)
        };
        let want = top2(Kernel::BASELINE, Some(1e-12));
        let mut exact = vec![0; n];
        ladder_core::assign_nearest(Points::new(&data, d).unwrap(), &centers, &mut exact);
        let exact: Vec<u32> = idx.iter().map(|&i| exact[i as usize]).collect();
        assert_eq!(want.0, exact, "d = {d}");
        // Without a slack: the contract's own squared distances, bit for bit.
        let squared = top2(Kernel::BASELINE, None);
        for (p, &i) in idx.iter().enumerate() {
            let x = &data[i as usize * d..(i as usize + 1) * d];
            let mut all: Vec<f64> = centers.chunks_exact(d).map(|c| sq_dist(x, c)).collect();
            assert_eq!(squared.1[p], all[exact[p] as usize], "d = {d}, point {i}");
            all.sort_by(f64::total_cmp);
            assert_eq!(squared.2[p], all[1], "d = {d}, point {i}");
        }
        // As gaps: the bounds from single-precision roots widened outward, their gap
        // offset by the label's entry and rounded down.
        let offset: Vec<f64> = (0..9).map(|j| j as f64 * 1.1 - 1.0).collect();
        let bounds = |kernel: Kernel| {
            let (mut labels, mut gap) = (vec![0; n], vec![0.0; n]);
            let mut scratch = vec![0.0; 2 * LANES * d];
            let out = Top2Gaps {
                slack: 1e-12,
                offset: &offset,
                labels: &mut labels,
                gap: &mut gap,
            };
            let pending = Pending {
                rows: &data,
                idx: &idx,
            };
            kernel.top2(pending, &centers, d, &mut scratch, out);
            (labels, gap)
        };
        let want_bounds = {
            let a = |p: usize| squared.0[p] as usize;
            let gap = |p: usize| {
                let (best, second) = (squared.1[p], squared.2[p]);
                let upper = sqrt32_bounds(best).0 * (1.0 + 1e-12);
                let lower = sqrt32_bounds(second).1 * (1.0 - 1e-12);
                // Outward: at least as wide as the exact roots' bounds.
                assert!(upper >= best.sqrt() && lower <= second.sqrt(), "point {p}");
                (lower - upper) + offset[a(p)]
            };
            (
                squared.0.clone(),
                (0..n).map(|p| f32_down(gap(p))).collect(),
            )
        };
        for &kernel in &kernels {
            assert_eq!(top2(kernel, Some(1e-12)), want, "{kernel:?}, d = {d}");
            assert_eq!(top2(kernel, None), squared, "{kernel:?}, d = {d}");
            assert_eq!(bounds(kernel), want_bounds, "{kernel:?}, d = {d}");
        }
    }
    // The test over bounds: 8, 16 and 24 thresholds (permute and gather lookups).
    // 8 and 9 groups: the sweep takes two groups at a time, and a last one alone.
    for (k, n) in [(8, 64), (16, 72), (24, 64), (24, 72)] {
        let labels: Vec<u32> = (0..n).map(|i| (i * 7 % k) as u32).collect();
        let upper: Vec<f32> = (0..n).map(|i| (i % 5) as f32).collect();
        let lower: Vec<f32> = (0..n).map(|i| (i % 3) as f32 + 1.5).collect();
        let threshold: Vec<f64> = (0..k).map(|j| (j % 4) as f64 * 0.25).collect();
        let groups: Vec<BoundsGroup> = (0..n / LANES)
            .map(|g| {
                let lanes = g * LANES..(g + 1) * LANES;
                BoundsGroup {
                    upper: upper[lanes.clone()].try_into().unwrap(),
                    lower: lower[lanes.clone()].try_into().unwrap(),
                    labels: labels[lanes].try_into().unwrap(),
                }
            })
            .collect();
        let want: Vec<u32> = (0..n as u32)
            .filter(|&i| {
                let i = i as usize;
                f64::from(upper[i]) + threshold[labels[i] as usize] + 0.1 >= f64::from(lower[i])
            })
            .collect();
        // The same test on the gaps, exact here (small integers and quarters).
        let gaps: Vec<GapGroup> = groups
            .iter()
            .map(|g| GapGroup {
                gap: std::array::from_fn(|l| g.lower[l] - g.upper[l]),
                labels: g.labels,
            })
            .collect();
        for &kernel in &kernels {
            let mut pending = vec![0; n + LANES];
            let len = kernel.sweep(Swept::Bounds(&groups), &threshold, 0.1, &mut pending);
            assert_eq!(pending[..len], want, "{kernel:?}, k = {k}, n = {n}");
            let len = kernel.sweep(Swept::Gaps(&gaps), &threshold, 0.1, &mut pending);
            assert_eq!(pending[..len], want, "gaps, {kernel:?}, k = {k}, n = {n}");
        }
    }
}

/// The gap sweep's single-precision table (up to 16 clusters) never keeps a point the
/// exact test in `f64` fails: at the rounding's edge it only sends more points to a scan.
#[test]
fn the_gap_sweep_keeps_no_point_the_exact_test_fails() {
    let margin = 1e-9;
    for k in [3, 10, 16] {
        // Thresholds that single precision cannot hold, gaps on both sides of each.
        let threshold: Vec<f64> = (0..k).map(|j| 0.1 + j as f64 / 3.0).collect();
        let n = 8 * k;
        let labels: Vec<u32> = (0..n).map(|i| (i / 8) as u32).collect();
        let gap: Vec<f32> = (0..n)
            .map(|i| {
                let exact = threshold[i / 8] + margin;
                let (down, up) = (f32_down(exact), f32_up(exact));
                [down, up, f32::from_bits(up.to_bits() + 1), down - 1.0][i % 4]
            })
            .collect();
        let groups: Vec<GapGroup> = (0..k)
            .map(|g| GapGroup {
                gap: gap[g * 8..(g + 1) * 8].try_into().unwrap(),
                labels: labels[g * 8..(g + 1) * 8].try_into().unwrap(),
            })
            .collect();
        let exact_fails = |i: usize| threshold[i / 8] + margin >= f64::from(gap[i]);
        for kernel in Kernel::all() {
            let mut pending = vec![0; n + LANES];
            let len = kernel.sweep(Swept::Gaps(&groups), &threshold, margin, &mut pending);
            let pending = &pending[..len];
            for i in (0..n).filter(|&i| exact_fails(i)) {
                assert!(
                    pending.contains(&(i as u32)),
                    "{kernel:?}, k = {k}, point {i}"
                );
            }
            // Well clear of the threshold, a point is kept.
            for i in (0..n).filter(|i| i % 4 == 2) {
                assert!(
                    !pending.contains(&(i as u32)),
                    "{kernel:?}, k = {k}, point {i}"
                );
            }
        }
    }
}

/// The method `Parallel::new()` picks for 2 passes over `n × d` clustered points with
/// `k` clusters (a brute-force one, or the test fails).
fn brute_force_method(n: usize, d: usize, k: usize) -> Method {
    let data = clustered(n, d, 8);
    let points = Points::new(&data, d).unwrap();
    let fit = Parallel::new()
        .fit(points, &FitParams::new(k).max_iter(2))
        .unwrap();
    fit.details.get::<ParallelFacts>().unwrap().method
}

#[test]
fn large_fits_use_the_threaded_brute_force() {
    assert_eq!(
        brute_force_method(40_000, 4, 8),
        Method::ExactSquaredDifferences
    );
    // Few points but much work per pass: brute force (one block, so one thread).
    let dot = if Kernel::detect().has_fma() {
        Method::DotProducts
    } else {
        Method::ExactSquaredDifferences
    };
    assert_eq!(brute_force_method(1000, 64, 32), dot);
}

/// Every center's group: `t` groups of consecutive centers, interleaved (so that groups
/// are not in index order and ties cross groups).
fn interleaved_groups(k: usize, t: usize) -> Vec<Vec<u32>> {
    (0..t)
        .map(|g| {
            (0..k as u32)
                .filter(|j| *j as usize % t == g)
                .rev()
                .collect()
        })
        .collect()
}

/// Checks a grouped scan's bounds for point `i` at `x`: its upper bound covers its own
/// distance; its global and group lower bounds stay below the distances they bound,
/// and (but where the nearest two tie, which is settled by a looser safe bound) are
/// tight, up to `square_slack` on squared distances (a single-precision scan's error).
fn check_bounds(
    x: &[f64],
    centers: &[f64],
    groups: &[Vec<u32>],
    bounds: (u32, f64, f64, &[f32]),
    square_slack: f64,
) {
    let d = x.len();
    let (label, upper, global, lowers) = bounds;
    let dist =
        |j: u32| ladder_core::sq_dist(x, &centers[j as usize * d..(j as usize + 1) * d]).sqrt();
    assert!(upper >= dist(label));
    let k = centers.len() / d;
    let mut all: Vec<f64> = (0..k as u32).map(dist).collect();
    all.sort_by(f64::total_cmp);
    let tie = all[0] == all[1];
    let others = (0..k as u32).filter(|&j| j != label);
    let second = others.map(dist).fold(f64::INFINITY, f64::min);
    assert!(global <= second);
    for (g, members) in groups.iter().enumerate() {
        let others = members.iter().filter(|&&j| j != label);
        let nearest = others.map(|&j| dist(j)).fold(f64::INFINITY, f64::min);
        let lo = f64::from(lowers[g]);
        assert!(lo <= nearest, "group {g}: {lo} > {nearest}");
        assert!(
            tie || lo >= (nearest * nearest - square_slack).max(0.0).sqrt() * (1.0 - 1e-6) - 1e-6,
            "loose: group {g}: {lo} vs {nearest}"
        );
    }
}

#[test]
fn the_grouped_scan_gives_the_contracts_labels_and_valid_bounds() {
    for (d, k, t) in [(3, 9, 3), (8, 13, 4), (20, 10, 1), (20, 17, 17)] {
        let n = 203;
        // Integer-valued data: many exact ties between centers.
        let data: Vec<f64> = (0..n * d).map(|i| ((i * 37) % 11) as f64).collect();
        let points = Points::new(&data, d).unwrap();
        let centers: Vec<f64> = data[5 * d..(5 + k) * d].to_vec();
        let groups = interleaved_groups(k, t);
        let grouped = GroupedCenters::new(&centers, d, &groups);
        let mut want = vec![0; n];
        ladder_core::assign_nearest(points, &centers, &mut want);
        for kernel in [Kernel::BASELINE, Kernel::detect()] {
            let layout = Layout::with_kernel(points, kernel);
            let scan = |out: GroupedOut<'_>| {
                layout.scan_grouped(&data, &grouped, out);
                true
            };
            let found = grouped_bounds(n, k, t, scan).expect("the f64 scan never declines");
            let scan = Scanned {
                centers: &centers,
                groups: &groups,
                want: &want,
                name: format!("{kernel:?}"),
            };
            scan.check(points, &found, |_| 0.0);
        }
    }
}

/// What a grouped scan is checked against: the centers, their groups, and the
/// contract's labels.
struct Scanned<'a> {
    centers: &'a [f64],
    groups: &'a [Vec<u32>],
    want: &'a [u32],
    /// Which scan, for the messages.
    name: String,
}

impl Scanned<'_> {
    /// Every point's label is the contract's and its bounds are valid ([`check_bounds`]),
    /// tight up to `square_slack(x)`.
    fn check(
        &self,
        points: Points<'_>,
        (bounds, lowers): &(Vec<BoundsGroup>, Vec<f32>),
        square_slack: impl Fn(&[f64]) -> f64,
    ) {
        let t = self.groups.len();
        for (i, x) in points.rows().enumerate() {
            let (b, l) = (&bounds[i / LANES], i % LANES);
            assert_eq!(
                b.labels[l],
                self.want[i],
                "{}, d = {}, point {i}",
                self.name,
                x.len()
            );
            let found = (b.labels[l], f64::from(b.upper[l]), f64::from(b.lower[l]));
            let bounds = (found.0, found.1, found.2, &lowers[i * t..(i + 1) * t]);
            check_bounds(x, self.centers, self.groups, bounds, square_slack(x));
        }
    }
}

/// Runs `scan` (a grouped scan of `data` against `centers` in groups `groups`) into fresh
/// bounds; returns the bounds and group lowers, or `None` where the scan declined.
fn grouped_bounds(
    n: usize,
    k: usize,
    t: usize,
    scan: impl FnOnce(GroupedOut<'_>) -> bool,
) -> Option<(Vec<BoundsGroup>, Vec<f32>)> {
    let mut bounds = vec![BoundsGroup::PADDING; n.div_ceil(LANES)];
    let mut lowers = vec![0.0f32; n * t];
    let (zeros_k, zeros_t) = (vec![0.0; k], vec![0.0; t]);
    let out = GroupedOut {
        bounds: &mut bounds,
        lowers: &mut lowers,
        upper_offset: &zeros_k,
        global_offset: &zeros_k,
        lower_offset: &zeros_t,
        slack: 1e-12,
    };
    scan(out).then_some((bounds, lowers))
}

#[test]
fn the_single_precision_scan_gives_the_contracts_labels_and_valid_bounds() {
    let has_fma = Kernel::detect().has_fma();
    assert_eq!(NarrowLayout::new(DOT_MIN_DIMS).is_some(), has_fma);
    assert!(NarrowLayout::new(DOT_MIN_DIMS - 1).is_none());
    if !has_fma {
        return;
    }
    // Integer data (exact ties), smooth data far from the origin (large norms beside
    // small distances: the filter's hardest case), and 1 to 17 groups.
    let integer = |i: usize| ((i * 37) % 11) as f64;
    let far = |i: usize| 1000.0 + (i as f64 * 0.7).sin() * 3.0;
    type Values<'a> = &'a dyn Fn(usize) -> f64;
    let cases: [(usize, usize, usize, Values<'_>); 5] = [
        (8, 13, 4, &integer),
        (20, 10, 1, &integer),
        (20, 17, 17, &integer),
        (16, 37, 5, &far),
        (64, 40, 6, &far),
    ];
    for (d, k, t, value) in cases {
        let n = 203;
        let data: Vec<f64> = (0..n * d).map(value).collect();
        let points = Points::new(&data, d).unwrap();
        let centers: Vec<f64> = data[5 * d..(5 + k) * d].to_vec();
        let groups = interleaved_groups(k, t);
        let grouped = GroupedCenters::new(&centers, d, &groups);
        let mut want = vec![0; n];
        ladder_core::assign_nearest(points, &centers, &mut want);
        for kernel in narrow_kernels() {
            let mut layout = NarrowLayout::with_kernel(d, kernel).unwrap();
            layout.fill(points);
            let scan = |out: GroupedOut<'_>| layout.scan_grouped(&data, &grouped, out).is_ok();
            let found = grouped_bounds(n, k, t, scan).expect("norms are small");
            let norms = |x: &[f64]| x.iter().map(|v| v * v).sum::<f64>();
            let largest = centers.chunks(d).map(norms).fold(0.0, f64::max);
            let scan = Scanned {
                centers: &centers,
                groups: &groups,
                want: &want,
                name: format!("f32, {kernel:?}"),
            };
            scan.check(points, &found, |x| {
                16.0 * (d + 4) as f64 * f64::from(f32::EPSILON) * (norms(x) + largest)
            });
        }
    }
}

/// The kernels with a single-precision scan that this CPU runs (AVX-512 and AVX2 on a
/// CPU with both: each is checked, not only the best).
fn narrow_kernels() -> Vec<Kernel> {
    Kernel::all().into_iter().filter(|k| k.has_fma()).collect()
}

#[test]
fn the_single_precision_scan_stores_group_bounds_below_their_offsets() {
    // The stored bound is the bound plus its group's running offset, rounded down: with
    // offsets far larger than the distances, as after many passes of large moves, so
    // that the rounding of the sum is far larger than the scan's error.
    let (n, d, k, t) = (203, 16, 37, 5);
    for kernel in narrow_kernels() {
        let mut layout = NarrowLayout::with_kernel(d, kernel).unwrap();
        let data: Vec<f64> = (0..n * d).map(|i| (i as f64 * 0.7).sin() * 3e-3).collect();
        let points = Points::new(&data, d).unwrap();
        layout.fill(points);
        let centers: Vec<f64> = data[5 * d..(5 + k) * d].to_vec();
        let groups = interleaved_groups(k, t);
        let grouped = GroupedCenters::new(&centers, d, &groups);
        let offsets: Vec<f64> = (0..t).map(|g| 0.1 + 37.3 * g as f64 + 1e-7).collect();
        let norm = |x: &[f64]| x.iter().map(|v| v * v).sum::<f64>();
        let largest = centers.chunks(d).map(norm).fold(0.0, f64::max);
        let mut bounds = vec![BoundsGroup::PADDING; n.div_ceil(LANES)];
        let mut lowers = vec![0.0f32; n * t];
        let zeros = vec![0.0; k];
        let out = GroupedOut {
            bounds: &mut bounds,
            lowers: &mut lowers,
            upper_offset: &zeros,
            global_offset: &zeros,
            lower_offset: &offsets,
            slack: 1e-12,
        };
        assert!(layout.scan_grouped(&data, &grouped, out).is_ok());
        for (i, x) in points.rows().enumerate() {
            let label = bounds[i / LANES].labels[i % LANES];
            for (g, members) in groups.iter().enumerate() {
                let others = members.iter().filter(|&&j| j != label);
                let dist = |&j: &u32| sq_dist(x, &centers[j as usize * d..(j as usize + 1) * d]);
                let nearest = others.map(dist).fold(f64::INFINITY, f64::min).sqrt();
                let stored = f64::from(lowers[i * t + g]);
                assert!(
                    stored <= nearest + offsets[g],
                    "{kernel:?}: point {i}, group {g}"
                );
                // Tight up to the scan's error on squared distances and a rounding of the sum.
                let slack = 16.0 * (d + 4) as f64 * f64::from(f32::EPSILON) * (norm(x) + largest);
                let tight = (nearest * nearest - slack).max(0.0).sqrt() * (1.0 - 1e-6);
                assert!(
                    stored >= tight + offsets[g] - 1e-4,
                    "loose: point {i}, group {g}"
                );
            }
        }
        // A negative offset is for the `f64` scan.
        let negative = vec![-1.0; t];
        let out = GroupedOut {
            bounds: &mut bounds,
            lowers: &mut lowers,
            upper_offset: &zeros,
            global_offset: &zeros,
            lower_offset: &negative,
            slack: 1e-12,
        };
        assert!(layout.scan_grouped(&data, &grouped, out).is_err());
    }
}

#[test]
fn the_single_precision_scan_declines_norms_past_its_limit() {
    let (n, d, k) = (40, 8, 3);
    let scale = NARROW_LIMIT.sqrt() * 2.0;
    let data: Vec<f64> = (0..n * d).map(|i| ((i % 7) as f64) * scale).collect();
    let points = Points::new(&data, d).unwrap();
    let Some(mut layout) = NarrowLayout::new(d) else {
        return;
    };
    layout.fill(points);
    let small: Vec<f64> = vec![1.0; k * d];
    for centers in [&data[..k * d], &small[..]] {
        let grouped = GroupedCenters::new(centers, d, &[(0..k as u32).collect()]);
        let scan = |out: GroupedOut<'_>| layout.scan_grouped(&data, &grouped, out).is_ok();
        assert!(grouped_bounds(n, k, 1, scan).is_none());
    }
    // Small points, huge centers: declined as well.
    let tiny: Vec<f64> = vec![0.5; n * d];
    layout.fill(Points::new(&tiny, d).unwrap());
    let grouped = GroupedCenters::new(&data[..k * d], d, &[(0..k as u32).collect()]);
    let scan = |out: GroupedOut<'_>| layout.scan_grouped(&tiny, &grouped, out).is_ok();
    assert!(grouped_bounds(n, k, 1, scan).is_none());
}

#[test]
fn own_distances_are_the_contracts() {
    for d in [1, 5, 16, 23] {
        let rows: Vec<f64> = (0..37 * d).map(|i| (i as f64 * 0.37).cos() * 4.0).collect();
        let centers: Vec<f64> = (0..5 * d).map(|i| (i as f64 * 0.11).sin()).collect();
        let idx: Vec<u32> = (0..37).rev().step_by(2).collect();
        let labels: Vec<u32> = idx.iter().map(|i| i % 5).collect();
        for kernels in [Kernels::portable(), Kernels::detect()] {
            let mut out = vec![0.0; idx.len()];
            let mut scratch = vec![0.0; 16 * d];
            let pending = Pending {
                rows: &rows,
                idx: &idx,
            };
            kernels.own_distances(pending, (&centers, &labels), d, &mut scratch, &mut out);
            for ((&i, &a), got) in idx.iter().zip(&labels).zip(&out) {
                let (i, a) = (i as usize, a as usize);
                let want =
                    ladder_core::sq_dist(&rows[i * d..(i + 1) * d], &centers[a * d..(a + 1) * d]);
                assert_eq!(got.to_bits(), want.to_bits(), "{kernels:?}, d = {d}");
            }
        }
    }
}

#[test]
fn predict_gives_the_contracts_labels_on_any_thread_count() {
    use ladder_test_support::on_threads;
    for (n, d, k) in [(3, 2, 10), (5000, 2, 10), (20_000, 16, 40), (9000, 64, 7)] {
        let mut data = clustered(n, d, 5);
        // Rounded coordinates: many exact ties between centers.
        data.iter_mut().for_each(|x| *x = x.round());
        let points = Points::new(&data, d).unwrap();
        let centers: Vec<f64> = (0..k * d).map(|i| data[(i * 7919) % data.len()]).collect();
        let mut want = vec![0; n];
        ladder_core::assign_nearest(points, &centers, &mut want);
        for threads in [1, 2, 3] {
            let mut got = vec![u32::MAX; n];
            on_threads(threads, || predict(points, &centers, &mut got));
            assert_eq!(got, want, "n {n} d {d} k {k}, {threads} threads");
        }
    }
}
