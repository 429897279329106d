//! Per-cluster sums and counts, taken in point order, from rows or from the kernel's
//! groups: the same additions in the same order either way, so the same sums, bit for
//! bit.

use ladder_core::with_dims;

use crate::LANES;

/// Adds each row into its cluster's sum (in point order) and counts it.
pub fn accumulate(rows: &[f64], labels: &[u32], d: usize, sums: &mut [f64], counts: &mut [u32]) {
    /// With the dimension `D` a constant (0: `d`), so that each row's adds unroll.
    fn rows_of<const D: usize>(
        rows: &[f64],
        labels: &[u32],
        d: usize,
        sums: &mut [f64],
        counts: &mut [u32],
    ) {
        let d = if D > 0 { D } else { d };
        for (row, &l) in rows.chunks_exact(d).zip(labels) {
            let l = l as usize;
            counts[l] += 1;
            for (s, x) in sums[l * d..(l + 1) * d].iter_mut().zip(row) {
                *s += x;
            }
        }
    }
    with_dims!(d,
        D => rows_of::<D>(rows, labels, d, sums, counts),
        _ => rows_of::<0>(rows, labels, d, sums, counts),
    )
}

/// [`accumulate`] from points laid out in groups (`[group][feature][lane]`).
pub(crate) fn accumulate_groups(
    groups: &[f64],
    labels: &[u32],
    d: usize,
    sums: &mut [f64],
    counts: &mut [u32],
) {
    /// With the dimension `D` a constant (0: `d`), so that each point's adds unroll.
    fn run<const D: usize>(
        groups: &[f64],
        labels: &[u32],
        d: usize,
        sums: &mut [f64],
        counts: &mut [u32],
    ) {
        let d = if D > 0 { D } else { d };
        for (group, labels) in groups.chunks_exact(d * LANES).zip(labels.chunks(LANES)) {
            for (lane, &l) in labels.iter().enumerate() {
                let l = l as usize;
                counts[l] += 1;
                for (t, s) in sums[l * d..(l + 1) * d].iter_mut().enumerate() {
                    *s += group[t * LANES + lane];
                }
            }
        }
    }
    with_dims!(d,
        D => run::<D>(groups, labels, d, sums, counts),
        _ => run::<0>(groups, labels, d, sums, counts),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Layout;
    use ladder_core::Points;

    #[test]
    fn rows_and_groups_give_the_same_sums_bit_for_bit() {
        for d in [1, 3, 8, 17] {
            let n = 203;
            let data: Vec<f64> = (0..n * d).map(|i| (i as f64 * 0.37).sin()).collect();
            let labels: Vec<u32> = (0..n).map(|i| (i * 5 % 7) as u32).collect();
            let (mut a, mut ca) = (vec![0.0; 7 * d], vec![0; 7]);
            accumulate(&data, &labels, d, &mut a, &mut ca);
            let layout = Layout::new(Points::new(&data, d).unwrap());
            let (mut b, mut cb) = (vec![0.0; 7 * d], vec![0; 7]);
            accumulate_groups(layout.groups(), &labels, d, &mut b, &mut cb);
            assert_eq!(ca, cb, "d = {d}");
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&a), bits(&b), "d = {d}");
        }
    }
}
