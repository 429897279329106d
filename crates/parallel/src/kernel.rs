// The assignment kernels, written once over 8-lane f64 vectors `V` and compiled once per
// instruction set: this file is `include!`d by the `avx512` and `avx2` modules, each of
// which first defines `V`, the mask type `M`, the primitives (`splat`, `load`, `add`, `sub`,
// `mul`, `fmadd`, `min`, `lt`, `select`, `store`) and the `isa!` macro that puts its
// `#[target_feature]` on a function.

isa! {
    /// Labels consecutive groups of 8 points by the contract's exact formula.
    fn exact_groups<const D: usize>(groups: &[f64], centers: &[f64], d: usize, labels: &mut [u32]) {
        let d = if D > 0 { D } else { d };
        for (xs, labels) in groups.chunks_exact(d * LANES).zip(labels.chunks_mut(LANES)) {
            let mut best = splat(f64::INFINITY);
            let mut best_j = splat(0.0);
            for (j, c) in centers.chunks_exact(d).enumerate() {
                // Sum of squared differences in feature order, from zero; no FMA.
                let mut acc = splat(0.0);
                for (t, &ct) in c.iter().enumerate() {
                    let diff = sub(load(lanes(xs, t)), splat(ct));
                    acc = add(acc, mul(diff, diff));
                }
                // Strictly smaller only: the lowest index keeps a tie.
                let better = lt(acc, best);
                best = select(better, acc, best);
                best_j = select(better, splat(j as f64), best_j);
            }
            let best_j = store(best_j);
            for (label, j) in labels.iter_mut().zip(best_j) {
                *label = j as u32;
            }
        }
    }
}

isa! {
    /// Labels consecutive groups of 8 points by `‖c‖² − 2x·c`, 4 centers at a time, and
    /// settles every point whose two best values are within the rounding margin with the
    /// exact formula. Returns how many points that was.
    fn dot_groups<const D: usize>(block: Block<'_>, centers: &[f64], dot: &DotCenters, d: usize) -> u64 {
        let d = if D > 0 { D } else { d };
        let tolerance = 16.0 * (d + 2) as f64 * f64::EPSILON;
        let mut rechecks = 0;
        let groups = block.groups.chunks_exact(d * LANES);
        for (g, (xs, labels)) in groups.zip(block.labels.chunks_mut(LANES)).enumerate() {
            let mut best = splat(f64::INFINITY);
            let mut second = splat(f64::INFINITY);
            let mut best_j = splat(0.0);
            let quads = dot.centers.chunks_exact(4 * d).zip(dot.norms.chunks_exact(4));
            for (q, (c4, n4)) in quads.enumerate() {
                let mut acc = [splat(0.0); 4];
                for t in 0..d {
                    let x = load(lanes(xs, t));
                    for (m, acc) in acc.iter_mut().enumerate() {
                        *acc = fmadd(x, splat(c4[m * d + t]), *acc);
                    }
                }
                for (m, &acc) in acc.iter().enumerate() {
                    let a = fmadd(splat(-2.0), acc, splat(n4[m]));
                    let better = lt(a, best);
                    second = select(better, best, min(second, a));
                    best = select(better, a, best);
                    best_j = select(better, splat((4 * q + m) as f64), best_j);
                }
            }
            let (best, second, best_j) = (store(best), store(second), store(best_j));
            for (l, label) in labels.iter_mut().enumerate() {
                let i = g * LANES + l;
                let margin = tolerance * (block.norms[i] + dot.max_norm);
                *label = if second[l] - best[l] > margin {
                    best_j[l] as u32
                } else {
                    rechecks += 1;
                    nearest(&block.rows[i * d..(i + 1) * d], centers).0
                };
            }
        }
        rechecks
    }
}

isa! {
    /// Labels one block: the kernel instance for `d` (a constant for d ≤ 16) and `dot`.
    pub fn assign_block(block: Block<'_>, centers: &[f64], dot: Option<&DotCenters>, d: usize) -> u64 {
        macro_rules! by_dims {
            ($($n:literal)*) => {
                match (d, dot) {
                    $(($n, None) => { exact_groups::<$n>(block.groups, centers, $n, block.labels); 0 })*
                    (_, None) => { exact_groups::<0>(block.groups, centers, d, block.labels); 0 }
                    $(($n, Some(dot)) => dot_groups::<$n>(block, centers, dot, $n),)*
                    (_, Some(dot)) => dot_groups::<0>(block, centers, dot, d),
                }
            };
        }
        by_dims!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16)
    }
}
