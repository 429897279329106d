//! The contract's arithmetic, written once: the distance, the nearest center, the
//! update's division of sums by counts, the inertia. Fast rungs compute the same values
//! in their own ways and fall back on these where a near-tie must be settled exactly.

/// Squared Euclidean distance, summed over the dimensions in order: the contract's one
/// distance. Fast rungs must reproduce its value exactly wherever a tie could flip.
#[inline]
pub fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).fold(0.0, |acc, (x, y)| {
        let t = x - y;
        acc + t * t
    })
}

/// The nearest of the `k × d` row-major `centers` to `point`, and its squared distance;
/// the lowest index wins a tie.
#[inline]
pub fn nearest(point: &[f64], centers: &[f64]) -> (u32, f64) {
    let mut best = (0, f64::INFINITY);
    for (j, c) in centers.chunks_exact(point.len()).enumerate() {
        let dist = sq_dist(point, c);
        if dist < best.1 {
            best = (j as u32, dist);
        }
    }
    best
}

/// The contract's assignment as a plain scan: every point against every center with
/// [`nearest`]. The exact fallback of rungs whose fast path does not apply.
pub fn assign_nearest(points: crate::Points<'_>, centers: &[f64], labels: &mut [u32]) {
    for (label, p) in labels.iter_mut().zip(points.rows()) {
        *label = nearest(p, centers).0;
    }
}

/// The contract's division, written once for every rung: each center with points
/// becomes its cluster's sum over its count; an empty cluster keeps its center. `sums`
/// is `k × d` like `centers`, `counts` has `k` entries.
pub fn divide_sums<C: Copy + Into<u64>>(sums: &[f64], counts: &[C], centers: &mut [f64]) {
    if counts.is_empty() {
        return;
    }
    let d = centers.len() / counts.len();
    let clusters = centers.chunks_exact_mut(d).zip(sums.chunks_exact(d));
    for ((center, sum), &count) in clusters.zip(counts) {
        let count: u64 = count.into();
        if count > 0 {
            for (c, s) in center.iter_mut().zip(sum) {
                *c = s / count as f64;
            }
        }
    }
}

/// The contract's update in plain loops: per-cluster sums in point order, then
/// [`divide_sums`].
pub fn update_means(points: crate::Points<'_>, labels: &[u32], centers: &mut [f64]) {
    let d = points.d();
    let mut sums = vec![0.0; centers.len()];
    let mut counts = vec![0u64; centers.len() / d];
    for (&l, p) in labels.iter().zip(points.rows()) {
        let l = l as usize;
        counts[l] += 1;
        for (s, x) in sums[l * d..(l + 1) * d].iter_mut().zip(p) {
            *s += x;
        }
    }
    divide_sums(&sums, &counts, centers);
}

/// One block's per-cluster sums and counts, taken in point order: what rungs that sum
/// blocks of points apart (threads, chunks, workers) hand to [`update_from_partials`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Partial<'a> {
    /// `k × d` sums, row-major.
    pub sums: &'a [f64],
    /// `k` counts.
    pub counts: &'a [u32],
}

/// The contract's update from partial sums: each cluster's sums and counts added partial
/// by partial in the order given — so the result does not depend on who computed which —
/// then [`divide_sums`].
pub fn update_from_partials<'a>(
    partials: impl IntoIterator<Item = Partial<'a>>,
    centers: &mut [f64],
) {
    let mut partials = partials.into_iter().peekable();
    let Some(k) = partials.peek().map(|p| p.counts.len()) else {
        return;
    };
    let (mut sums, mut counts) = (vec![0.0; centers.len()], vec![0u64; k]);
    add_partials(partials, &mut sums, &mut counts);
    divide_sums(&sums, &counts, centers);
}

/// Adds each partial, in the order given, into `sums` (`k × d`) and `counts` (`k`).
pub fn add_partials<'a>(
    partials: impl IntoIterator<Item = Partial<'a>>,
    sums: &mut [f64],
    counts: &mut [u64],
) {
    for Partial { sums: s, counts: c } in partials {
        for (a, b) in sums.iter_mut().zip(s) {
            *a += b;
        }
        for (a, &b) in counts.iter_mut().zip(c) {
            *a += u64::from(b);
        }
    }
}

/// Points whose distances [`inertia`] computes at a time (a block of a thread's work).
const INERTIA_BLOCK: usize = 1 << 14;

/// Points whose distances the parallel [`inertia`] computes while it sums the round
/// before.
const INERTIA_ROUND: usize = 4 * INERTIA_BLOCK;

/// Sum over points, in order, of the squared distance to their labelled center: the
/// same sum, bit for bit, for any number of threads. On many points the distances are
/// computed a round at a time on rayon's threads, a block a task, while one thread sums
/// the round before in order: the sum is a chain of additions that no thread can share,
/// so it runs beside the distances instead of after them.
pub fn inertia(points: crate::Points<'_>, centers: &[f64], labels: &[u32]) -> f64 {
    use rayon::prelude::*;
    let (n, d, rows) = (points.n(), points.d(), points.as_slice());
    let sum = |total: f64, dist: &[f64]| dist.iter().fold(total, |acc, x| acc + x);
    if n < INERTIA_ROUND {
        let mut dist = vec![0.0; INERTIA_BLOCK.min(n)];
        let blocks = rows
            .chunks(INERTIA_BLOCK * d)
            .zip(labels.chunks(INERTIA_BLOCK));
        return blocks.fold(0.0, |total, (rows, labels)| {
            let dist = &mut dist[..labels.len()];
            distances((rows, d), labels, centers, dist);
            sum(total, dist)
        });
    }
    let (mut done, mut next) = (vec![0.0; INERTIA_ROUND], vec![0.0; INERTIA_ROUND]);
    let (mut total, mut done_len) = (0.0, 0);
    let rounds = rows
        .chunks(INERTIA_ROUND * d)
        .zip(labels.chunks(INERTIA_ROUND));
    for (rows, labels) in rounds {
        let round = &mut next[..labels.len()];
        let compute = || {
            let blocks = rows.par_chunks(INERTIA_BLOCK * d);
            round
                .par_chunks_mut(INERTIA_BLOCK)
                .zip(blocks.zip(labels.par_chunks(INERTIA_BLOCK)))
                .for_each(|(dist, (rows, labels))| distances((rows, d), labels, centers, dist));
        };
        (total, ()) = rayon::join(|| sum(total, &done[..done_len]), compute);
        done_len = labels.len();
        std::mem::swap(&mut done, &mut next);
    }
    sum(total, &done[..done_len])
}

/// Each row's [`sq_dist`] to its labelled center, into `dist`: each its own sum in
/// feature order, eight points side by side so that their chains of additions overlap
/// instead of waiting on one another.
fn distances((rows, d): (&[f64], usize), labels: &[u32], centers: &[f64], dist: &mut [f64]) {
    /// With the dimension `D` a constant (0: `d`), so that the features' loop unrolls.
    fn run<const D: usize>(
        rows: &[f64],
        d: usize,
        labels: &[u32],
        centers: &[f64],
        dist: &mut [f64],
    ) {
        const SIDE_BY_SIDE: usize = 8;
        let d = if D > 0 { D } else { d };
        let center = |l: u32| &centers[l as usize * d..(l as usize + 1) * d];
        let eights = rows.chunks_exact(SIDE_BY_SIDE * d);
        let tail = eights.remainder();
        let outs = dist.chunks_exact_mut(SIDE_BY_SIDE);
        for ((rows, labels), out) in eights.zip(labels.chunks_exact(SIDE_BY_SIDE)).zip(outs) {
            let cs: [&[f64]; SIDE_BY_SIDE] = std::array::from_fn(|p| center(labels[p]));
            let mut acc = [0.0; SIDE_BY_SIDE];
            for t in 0..d {
                for p in 0..SIDE_BY_SIDE {
                    let diff = rows[p * d + t] - cs[p][t];
                    acc[p] += diff * diff;
                }
            }
            out.copy_from_slice(&acc);
        }
        let first = labels.len() - tail.len() / d;
        let rest = tail.chunks_exact(d).zip(&labels[first..]);
        for ((p, &l), out) in rest.zip(&mut dist[first..]) {
            *out = sq_dist(p, center(l));
        }
    }
    crate::with_dims!(d,
        D => run::<D>(rows, d, labels, centers, dist),
        _ => run::<0>(rows, d, labels, centers, dist),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Points;

    #[test]
    fn inertia_is_the_ordered_sum_of_the_contracts_distances() {
        // The last three: in blocks on one thread, and on rayon's in two and three rounds.
        let many = [
            (INERTIA_BLOCK + 5, 2),
            (4 * INERTIA_BLOCK + 13, 3),
            (2 * INERTIA_ROUND + 7, 2),
        ];
        for (n, d) in [(0, 3), (7, 1), (8, 2), (29, 5), (64, 16)]
            .into_iter()
            .chain(many)
        {
            let data: Vec<f64> = (0..n * d).map(|i| (i as f64 * 0.37).sin() * 1e3).collect();
            let centers: Vec<f64> = (0..3 * d).map(|i| (i as f64 * 1.3).cos()).collect();
            let labels: Vec<u32> = (0..n as u32).map(|i| i * 7 % 3).collect();
            let points = Points::new(&data, d).unwrap();
            let want = points
                .rows()
                .zip(&labels)
                .map(|(p, &l)| sq_dist(p, &centers[l as usize * d..(l as usize + 1) * d]))
                .fold(0.0, |acc, x| acc + x);
            let got = inertia(points, &centers, &labels);
            assert_eq!(got.to_bits(), want.to_bits(), "n = {n}, d = {d}");
        }
    }

    #[test]
    fn nearest_prefers_the_lowest_index_on_ties() {
        let centers = [1.0, -1.0, 1.0];
        assert_eq!(nearest(&[0.0], &centers), (0, 1.0));
        assert_eq!(nearest(&[1.0], &centers), (0, 0.0));
    }

    #[test]
    fn partials_in_order_give_the_plain_update() {
        let data: Vec<f64> = (0..40).map(|i| (i * 7 % 11) as f64 * 0.1).collect();
        let points = Points::new(&data, 2).unwrap();
        let labels: Vec<u32> = (0..20).map(|i| (i % 3) as u32).collect();
        // Cluster 3 is empty: it keeps its center.
        let start = vec![9.0; 8];
        let mut plain = start.clone();
        update_means(points, &labels, &mut plain);
        assert_eq!(&plain[6..], &[9.0, 9.0]);
        // The same sums taken in two blocks of 10 points and added in order.
        let mut partials = Vec::new();
        for block in 0..2 {
            let (mut sums, mut counts) = (vec![0.0; 8], vec![0u32; 4]);
            for i in block * 10..(block + 1) * 10 {
                let l = labels[i] as usize;
                counts[l] += 1;
                sums[2 * l] += data[2 * i];
                sums[2 * l + 1] += data[2 * i + 1];
            }
            partials.push((sums, counts));
        }
        let mut blocked = start;
        let partials = partials
            .iter()
            .map(|(sums, counts)| Partial { sums, counts });
        update_from_partials(partials, &mut blocked);
        for (a, b) in blocked.iter().zip(&plain) {
            assert!((a - b).abs() <= 1e-15, "{a} vs {b}");
        }
    }
}
