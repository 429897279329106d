// The assignment kernels, written once over 8-lane f64 vectors `V` and compiled once per
// instruction set: this file is `include!`d by the `avx512`, `avx2` and `portable`
// modules, each of which first defines `V`, the mask type `M`, `DOT_GROUPS` (how many
// groups the dot kernel scans together), the primitives (`splat`,
// `load`, `add`, `sub`, `mul`, `fmadd`, `min`, `lt`, `select`, `store`, `lookup`, `bits`)
// and the `isa!` macro that puts its `#[target_feature]` (if any) on a function.

isa! {
    /// The contract's squared distance from 8 points (one group) to center `c`: squared
    /// differences summed in feature order, from zero (`0 + a` is `a`, for `a ≥ 0`, so
    /// the sum starts at the first square); no FMA.
    #[inline]
    fn exact_dist(xs: &[f64], c: &[f64]) -> V {
        let diff = sub(load(lanes(xs, 0)), splat(c[0]));
        let mut acc = mul(diff, diff);
        for (t, &ct) in c.iter().enumerate().skip(1) {
            let diff = sub(load(lanes(xs, t)), splat(ct));
            acc = add(acc, mul(diff, diff));
        }
        acc
    }
}

isa! {
    /// Labels consecutive groups of 8 points by the contract's exact formula.
    fn exact_groups<const D: usize>(groups: &[f64], centers: &[f64], d: usize, labels: &mut [u32]) {
        let d = if D > 0 { D } else { d };
        for (xs, labels) in groups.chunks_exact(d * LANES).zip(labels.chunks_mut(LANES)) {
            let mut best = splat(f64::INFINITY);
            let mut best_j = splat(0.0);
            for (j, c) in centers.chunks_exact(d).enumerate() {
                let acc = exact_dist(xs, c);
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
    /// Labels consecutive groups of 8 points by `‖c‖² − 2x·c`, [`DOT_GROUPS`] groups
    /// against 4 centers at a time (independent sums; each center value loaded once for
    /// all the groups), and settles every point whose two best values are within the
    /// rounding margin with the exact formula. Returns how many points that was.
    fn dot_groups<const D: usize>(mut block: Block<'_>, centers: &[f64], dot: &DotCenters, d: usize) -> u64 {
        let d = if D > 0 { D } else { d };
        let groups = block.groups.len() / (d * LANES);
        let mut rechecks = 0;
        let mut g = 0;
        while g + DOT_GROUPS <= groups {
            rechecks += dot_run::<D, DOT_GROUPS>(&mut block, g, centers, dot, d);
            g += DOT_GROUPS;
        }
        while g < groups {
            rechecks += dot_run::<D, 1>(&mut block, g, centers, dot, d);
            g += 1;
        }
        rechecks
    }
}

isa! {
    /// `dot_groups` for the `G` groups from group `g0`.
    #[inline]
    fn dot_run<const D: usize, const G: usize>(block: &mut Block<'_>, g0: usize, centers: &[f64], dot: &DotCenters, d: usize) -> u64 {
        let d = if D > 0 { D } else { d };
        let width = d * LANES;
        let xs = &block.groups[g0 * width..(g0 + G) * width];
        let mut best = [splat(f64::INFINITY); G];
        let mut second = [splat(f64::INFINITY); G];
        let mut best_j = [splat(0.0); G];
        let quads = dot.centers.chunks_exact(4 * d).zip(dot.norms.chunks_exact(4));
        for (q, (c4, n4)) in quads.enumerate() {
            // Each sum starts at ‖c‖²; the centers are stored as −2c.
            let norms = [splat(n4[0]), splat(n4[1]), splat(n4[2]), splat(n4[3])];
            let mut acc = [norms; G];
            for t in 0..d {
                let c = [
                    splat(c4[t]),
                    splat(c4[d + t]),
                    splat(c4[2 * d + t]),
                    splat(c4[3 * d + t]),
                ];
                for h in 0..G {
                    let x = load(lanes(&xs[h * width..(h + 1) * width], t));
                    for m in 0..4 {
                        acc[h][m] = fmadd(x, c[m], acc[h][m]);
                    }
                }
            }
            for h in 0..G {
                for (m, &a) in acc[h].iter().enumerate() {
                    let better = lt(a, best[h]);
                    second[h] = select(better, best[h], min(second[h], a));
                    best[h] = select(better, a, best[h]);
                    best_j[h] = select(better, splat((4 * q + m) as f64), best_j[h]);
                }
            }
        }
        let tolerance = 16.0 * (d + 2) as f64 * f64::EPSILON;
        let mut rechecks = 0;
        for h in 0..G {
            let (best, second, best_j) = (store(best[h]), store(second[h]), store(best_j[h]));
            for l in 0..LANES {
                let i = (g0 + h) * LANES + l;
                if i >= block.labels.len() {
                    break;
                }
                let margin = tolerance * (block.norms[i] + dot.max_norm);
                block.labels[i] = if second[l] - best[l] > margin {
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

isa! {
    /// Like `exact_groups`, for the rows `idx` of the row-major `rows`, also keeping each
    /// point's second-smallest distance, which the bounds need. Fills `labels`, and `best`
    /// and `second` with the square roots of the two smallest squared distances, times
    /// `1 + slack` and `1 − slack`. The points are packed feature-major 16 at a time
    /// into `scratch` (at least `16 d` values), and the two groups are scanned together,
    /// so their compare-and-select chains interleave.
    fn top2_rows<const D: usize>(rows: &[f64], idx: &[u32], centers: &[f64], d: usize, scratch: &mut [f64], out: Top2<'_>) {
        let d = if D > 0 { D } else { d };
        let width = d * LANES;
        let scratch = &mut scratch[..2 * width];
        let outs = out
            .labels
            .chunks_mut(2 * LANES)
            .zip(out.best.chunks_mut(2 * LANES))
            .zip(out.second.chunks_mut(2 * LANES));
        for (idx, ((l, b), s)) in idx.chunks(2 * LANES).zip(outs) {
            for p in 0..2 * LANES {
                // A short last pair repeats its first point.
                let i = idx[p.min(idx.len() - 1)] as usize;
                let (g, lane) = (p / LANES, p % LANES);
                for (t, &x) in rows[i * d..(i + 1) * d].iter().enumerate() {
                    scratch[g * width + t * LANES + lane] = x;
                }
            }
            if idx.len() > LANES {
                top2_run::<D, 2>(scratch, centers, d, (l, b, s), out.slack);
            } else {
                top2_run::<D, 1>(scratch, centers, d, (l, b, s), out.slack);
            }
        }
    }
}

isa! {
    /// `top2_rows` for `G` consecutive packed groups; writes the first `out.0.len()`
    /// points.
    #[inline]
    fn top2_run<const D: usize, const G: usize>(
        xs: &[f64],
        centers: &[f64],
        d: usize,
        out: (&mut [u32], &mut [f64], &mut [f64]),
        slack: f64,
    ) {
        let d = if D > 0 { D } else { d };
        let width = d * LANES;
        let mut best = [splat(f64::INFINITY); G];
        let mut second = [splat(f64::INFINITY); G];
        let mut best_j = [splat(0.0); G];
        for (j, c) in centers.chunks_exact(d).enumerate() {
            let jv = splat(j as f64);
            for h in 0..G {
                let acc = exact_dist(&xs[h * width..(h + 1) * width], c);
                // Strictly smaller only: the lowest index keeps a tie.
                let better = lt(acc, best[h]);
                second[h] = select(better, best[h], min(second[h], acc));
                best[h] = select(better, acc, best[h]);
                best_j[h] = select(better, jv, best_j[h]);
            }
        }
        let (up, down) = (splat(1.0 + slack), splat(1.0 - slack));
        let mut labels = [0.0; 2 * LANES];
        let mut near = [0.0; 2 * LANES];
        let mut far = [0.0; 2 * LANES];
        for h in 0..G {
            let lanes = h * LANES..(h + 1) * LANES;
            labels[lanes.clone()].copy_from_slice(&store(best_j[h]));
            near[lanes.clone()].copy_from_slice(&store(mul(sqrt(best[h]), up)));
            far[lanes].copy_from_slice(&store(mul(sqrt(second[h]), down)));
        }
        let n = out.0.len();
        for (label, j) in out.0.iter_mut().zip(labels) {
            *label = j as u32;
        }
        out.1.copy_from_slice(&near[..n]);
        out.2.copy_from_slice(&far[..n]);
    }
}

isa! {
    /// `top2_rows` with the dimension a constant for d ≤ 16.
    pub fn top2(rows: &[f64], idx: &[u32], centers: &[f64], d: usize, scratch: &mut [f64], out: Top2<'_>) {
        macro_rules! by_dims {
            ($($n:literal)*) => {
                match d {
                    $($n => top2_rows::<$n>(rows, idx, centers, $n, scratch, out),)*
                    _ => top2_rows::<0>(rows, idx, centers, d, scratch, out),
                }
            };
        }
        by_dims!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16)
    }
}

isa! {
    /// The bounds' test over consecutive groups of 8 points: point `i` keeps its label
    /// when `upper + threshold[label] + margin < lower`; every other point's index is
    /// written, in order, to the front of `pending` (which needs 8 spare slots past the
    /// points), without a branch. Returns how many were written.
    pub fn sweep(groups: &[BoundsGroup], threshold: &[f64], margin: f64, pending: &mut [u32]) -> usize {
        let margin = splat(margin);
        let mut len = 0;
        for (g, group) in groups.iter().enumerate() {
            let t = lookup(threshold, &group.labels);
            let upper = add(add(load(&group.upper), t), margin);
            let keep = bits(lt(upper, load(&group.lower)));
            let fail = !keep;
            let base = (g * LANES) as u32;
            let out: &mut [u32; LANES] = (&mut pending[len..len + LANES])
                .try_into()
                .expect("8 spare slots");
            *out = SET_LANES[fail as usize].map(|lane| base + lane);
            len += fail.count_ones() as usize;
        }
        len
    }
}
