//! The primitives on AVX2: two `__m256d` hold the 8 lanes, and a mask is a pair of
//! vectors of all-ones or all-zeros lanes.

use std::arch::x86_64::*;

use super::{Isa, Isa32, SQRT32_TINY, SQRT32_WIDEN, all_in, entry_points, narrow_entry_points};
use crate::LANES;
use crate::kernel::NARROW_LANES;

/// Proof that the CPU has AVX2, FMA and POPCNT: only [`Avx2::detect`] makes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Avx2 {
    _detected: (),
}

impl Avx2 {
    /// `Some` on a CPU with AVX2, FMA and POPCNT.
    pub(crate) fn detect() -> Option<Self> {
        use std::arch::is_x86_feature_detected as has;
        (has!("avx2") && has!("fma") && has!("popcnt")).then_some(Self { _detected: () })
    }
}

/// Eight lanes in two AVX registers.
#[derive(Clone, Copy)]
pub(crate) struct Pair(__m256d, __m256d);

/// Evaluates an expression of AVX2 and FMA intrinsics.
macro_rules! avx2 {
    ($e:expr) => {{
        // SAFETY: the intrinsics need AVX2 and FMA, and an `Avx2` (`self`) exists only on
        // a CPU that has them (`Avx2::detect`).
        unsafe { $e }
    }};
}

/// Applies a two-operand intrinsic to both halves.
macro_rules! halves {
    ($f:ident, $a:expr, $b:expr) => {
        Pair(avx2!($f($a.0, $b.0)), avx2!($f($a.1, $b.1)))
    };
}

impl Isa for Avx2 {
    type V = Pair;
    type M = Pair;

    #[inline(always)]
    fn splat(self, x: f64) -> Pair {
        Pair(avx2!(_mm256_set1_pd(x)), avx2!(_mm256_set1_pd(x)))
    }

    #[inline(always)]
    fn load(self, x: &[f64; LANES]) -> Pair {
        // SAFETY: `x` is 8 readable doubles; each unaligned load reads 4 of them. The CPU
        // has AVX, as `self` proves.
        unsafe {
            Pair(
                _mm256_loadu_pd(x.as_ptr()),
                _mm256_loadu_pd(x.as_ptr().add(4)),
            )
        }
    }

    #[inline(always)]
    fn widen(self, x: &[f32; LANES]) -> Pair {
        // SAFETY: `x` is 8 readable floats; each unaligned load reads 4 of them. The CPU
        // has AVX, as `self` proves.
        unsafe {
            let lo = _mm_loadu_ps(x.as_ptr());
            let hi = _mm_loadu_ps(x.as_ptr().add(4));
            Pair(_mm256_cvtps_pd(lo), _mm256_cvtps_pd(hi))
        }
    }

    #[inline(always)]
    fn store(self, v: Pair) -> [f64; LANES] {
        let mut out = [0.0; LANES];
        // SAFETY: `out` is 8 writable doubles; each unaligned store writes 4 of them. The
        // CPU has AVX, as `self` proves.
        unsafe {
            _mm256_storeu_pd(out.as_mut_ptr(), v.0);
            _mm256_storeu_pd(out.as_mut_ptr().add(4), v.1);
        }
        out
    }

    #[inline(always)]
    fn add(self, a: Pair, b: Pair) -> Pair {
        halves!(_mm256_add_pd, a, b)
    }

    #[inline(always)]
    fn sub(self, a: Pair, b: Pair) -> Pair {
        halves!(_mm256_sub_pd, a, b)
    }

    #[inline(always)]
    fn mul(self, a: Pair, b: Pair) -> Pair {
        halves!(_mm256_mul_pd, a, b)
    }

    #[inline(always)]
    fn fmadd(self, a: Pair, b: Pair, c: Pair) -> Pair {
        Pair(
            avx2!(_mm256_fmadd_pd(a.0, b.0, c.0)),
            avx2!(_mm256_fmadd_pd(a.1, b.1, c.1)),
        )
    }

    #[inline(always)]
    fn min(self, a: Pair, b: Pair) -> Pair {
        halves!(_mm256_min_pd, a, b)
    }

    #[inline(always)]
    fn lt(self, a: Pair, b: Pair) -> Pair {
        Pair(
            avx2!(_mm256_cmp_pd::<_CMP_LT_OQ>(a.0, b.0)),
            avx2!(_mm256_cmp_pd::<_CMP_LT_OQ>(a.1, b.1)),
        )
    }

    #[inline(always)]
    fn eq(self, a: Pair, b: Pair) -> Pair {
        Pair(
            avx2!(_mm256_cmp_pd::<_CMP_EQ_OQ>(a.0, b.0)),
            avx2!(_mm256_cmp_pd::<_CMP_EQ_OQ>(a.1, b.1)),
        )
    }

    #[inline(always)]
    fn select(self, m: Pair, a: Pair, b: Pair) -> Pair {
        Pair(
            avx2!(_mm256_blendv_pd(b.0, a.0, m.0)),
            avx2!(_mm256_blendv_pd(b.1, a.1, m.1)),
        )
    }

    #[inline(always)]
    fn bits(self, m: Pair) -> u8 {
        avx2!((_mm256_movemask_pd(m.0) | (_mm256_movemask_pd(m.1) << 4)) as u8)
    }

    #[inline(always)]
    fn sqrt(self, a: Pair) -> Pair {
        Pair(avx2!(_mm256_sqrt_pd(a.0)), avx2!(_mm256_sqrt_pd(a.1)))
    }

    /// The default's steps on 8 lanes at once: two single-precision roots of 8 lanes
    /// instead of four double-precision ones of 4.
    #[inline(always)]
    fn sqrt_outward(self, up: Pair, down: Pair) -> (Pair, Pair) {
        // SAFETY: register operations only; the CPU has AVX2 and FMA, as `self` proves.
        unsafe {
            let max = _mm256_set1_pd(f32::MAX.into());
            let narrow = |v: Pair| _mm256_set_m128(_mm256_cvtpd_ps(v.1), _mm256_cvtpd_ps(v.0));
            let up = _mm256_sqrt_ps(narrow(up));
            let down = Pair(_mm256_min_pd(down.0, max), _mm256_min_pd(down.1, max));
            let down = _mm256_sqrt_ps(narrow(down));
            let widen = |v: __m256, scale: f64, add: f64| {
                let (scale, add) = (_mm256_set1_pd(scale), _mm256_set1_pd(add));
                let lo = _mm256_cvtps_pd(_mm256_castps256_ps128(v));
                let hi = _mm256_cvtps_pd(_mm256_extractf128_ps::<1>(v));
                Pair(
                    _mm256_fmadd_pd(lo, scale, add),
                    _mm256_fmadd_pd(hi, scale, add),
                )
            };
            (
                widen(up, 1.0 + SQRT32_WIDEN, SQRT32_TINY),
                widen(down, 1.0 - SQRT32_WIDEN, -SQRT32_TINY),
            )
        }
    }

    #[inline(always)]
    fn indices(self, v: Pair) -> [u32; LANES] {
        let mut out = [0u32; LANES];
        // SAFETY: `out` is 8 writable integers, two 16-byte unaligned stores; the CPU has
        // AVX2, as `self` proves.
        unsafe {
            _mm_storeu_si128(out.as_mut_ptr().cast(), _mm256_cvttpd_epi32(v.0));
            _mm_storeu_si128(out.as_mut_ptr().add(4).cast(), _mm256_cvttpd_epi32(v.1));
        }
        out
    }

    #[inline(always)]
    fn lookup(self, table: &[f64], idx: &[u32; LANES]) -> Pair {
        assert!(all_in(idx, table.len()));
        // SAFETY: each 128-bit load reads 4 of the 8 indices; the assert above keeps
        // every gathered address inside `table`. The CPU has AVX2, as `self` proves.
        unsafe {
            let lo = _mm_loadu_si128(idx.as_ptr().cast());
            let hi = _mm_loadu_si128(idx.as_ptr().add(4).cast());
            Pair(
                _mm256_i32gather_pd::<8>(table.as_ptr(), lo),
                _mm256_i32gather_pd::<8>(table.as_ptr(), hi),
            )
        }
    }

    #[inline(always)]
    fn narrow_up(self, v: Pair) -> [f32; LANES] {
        // SAFETY: the CPU has AVX2, as `self` proves.
        unsafe { narrow::<true>(v) }
    }

    #[inline(always)]
    fn narrow_down(self, v: Pair) -> [f32; LANES] {
        // SAFETY: the CPU has AVX2, as `self` proves.
        unsafe { narrow::<false>(v) }
    }

    #[inline(always)]
    fn below(self, table: &[f32; 16], labels: &[u32; LANES], values: &[f32; LANES]) -> u8 {
        // SAFETY: the CPU has AVX2, as `self` proves.
        unsafe { below16(table, labels, values) }
    }

    /// Two features of four rows at a time: a 16-byte load from each row, and two
    /// unpacks transpose them — cheaper than AVX2's gathers, which cost several cycles a
    /// vector even when the rows are in the cache. An odd last feature is gathered.
    #[inline(always)]
    fn gather_rows(self, rows: &[f64], offsets: &[u32; LANES], d: usize, group: &mut [f64]) {
        let group = &mut group[..d * LANES];
        assert!(offsets.iter().all(|&o| o as usize + d <= rows.len()));
        let pairs = d / 2;
        for t in (0..pairs).map(|p| 2 * p) {
            for half in 0..2 {
                let row = |l: usize| offsets[4 * half + l] as usize + t;
                // SAFETY: each load reads features `t` and `t + 1 < d` of a row that
                // lies within `rows` (the assert above); each store writes 4 of the
                // `d · 8` values of `group`. The CPU has AVX2, as `self` proves.
                unsafe {
                    let load = |l: usize| _mm_loadu_pd(rows.as_ptr().add(row(l)));
                    let a = _mm256_insertf128_pd::<1>(_mm256_castpd128_pd256(load(0)), load(2));
                    let b = _mm256_insertf128_pd::<1>(_mm256_castpd128_pd256(load(1)), load(3));
                    let out = group.as_mut_ptr().add(t * LANES + 4 * half);
                    _mm256_storeu_pd(out, _mm256_unpacklo_pd(a, b));
                    _mm256_storeu_pd(out.add(LANES), _mm256_unpackhi_pd(a, b));
                }
            }
        }
        if d % 2 == 1 {
            let t = d - 1;
            let last = self.store(self.lookup(&rows[t..], offsets));
            group[t * LANES..].copy_from_slice(&last);
        }
    }
}

/// The 8 lanes in single precision, each rounded up (`UP`) or down: rounded to nearest,
/// then, where that went past the value, one step back through the bits — `crate::f32_up`
/// and `crate::f32_down` four lanes at a time, without a scalar conversion.
///
/// # Safety
///
/// The CPU must have AVX2.
#[inline(always)]
unsafe fn narrow<const UP: bool>(v: Pair) -> [f32; LANES] {
    #[inline(always)]
    unsafe fn four<const UP: bool>(x: __m256d) -> __m128i {
        // SAFETY: register operations only; the caller vouches for AVX2.
        unsafe {
            let y = _mm256_cvtpd_ps(x);
            let back = _mm256_cvtps_pd(y);
            let past = match UP {
                true => _mm256_cmp_pd::<_CMP_LT_OQ>(back, x),
                false => _mm256_cmp_pd::<_CMP_GT_OQ>(back, x),
            };
            // The low half of each 64-bit mask lane, as four 32-bit lanes.
            let pick = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
            let past = _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(
                _mm256_castpd_si256(past),
                pick,
            ));
            // One step up is +1 on a positive float's bits and −1 on a negative one's;
            // one step down the opposite (−0 steps down to the smallest negative).
            let bits = _mm_castps_si128(y);
            let sign = _mm_srai_epi32::<31>(bits);
            let twice = _mm_add_epi32(sign, sign);
            let step = match UP {
                true => _mm_add_epi32(_mm_set1_epi32(1), twice),
                false => _mm_sub_epi32(_mm_set1_epi32(-1), twice),
            };
            _mm_add_epi32(bits, _mm_and_si128(past, step))
        }
    }
    let mut out = [0.0f32; LANES];
    // SAFETY: `out` is 8 writable floats, two 16-byte unaligned stores; the caller
    // vouches for AVX2.
    unsafe {
        _mm_storeu_si128(out.as_mut_ptr().cast(), four::<UP>(v.0));
        _mm_storeu_si128(out.as_mut_ptr().add(4).cast(), four::<UP>(v.1));
    }
    out
}

/// `table[labels[l]] < values[l]` for the 8 lanes, as bits: the table's two halves
/// permuted by the labels' low 3 bits, the half chosen by their bit 3 (every label is
/// below 16). AVX2's gathers cost several cycles a vector; these are single-cycle
/// shuffles. Shared with the AVX-512 kernel, whose CPUs have AVX2.
///
/// # Safety
///
/// The CPU must have AVX2.
#[inline(always)]
pub(crate) unsafe fn below16(
    table: &[f32; 16],
    labels: &[u32; LANES],
    values: &[f32; LANES],
) -> u8 {
    // SAFETY: every load reads 8 values of an array of 8 or 16; the caller vouches for
    // AVX2.
    unsafe {
        let idx = _mm256_loadu_si256(labels.as_ptr().cast());
        let lo = _mm256_permutevar8x32_ps(_mm256_loadu_ps(table.as_ptr()), idx);
        let hi = _mm256_permutevar8x32_ps(_mm256_loadu_ps(table.as_ptr().add(8)), idx);
        let upper_half = _mm256_castsi256_ps(_mm256_slli_epi32::<28>(idx));
        let t = _mm256_blendv_ps(lo, hi, upper_half);
        let v = _mm256_loadu_ps(values.as_ptr());
        _mm256_movemask_ps(_mm256_cmp_ps::<_CMP_LT_OQ>(t, v)) as u8
    }
}

/// Sixteen `f32` lanes in two AVX registers.
#[derive(Clone, Copy)]
pub(crate) struct Pair32(__m256, __m256);

impl Isa32 for Avx2 {
    type W = Pair32;
    type MW = Pair32;

    #[inline(always)]
    fn splat32(self, x: f32) -> Pair32 {
        Pair32(avx2!(_mm256_set1_ps(x)), avx2!(_mm256_set1_ps(x)))
    }

    #[inline(always)]
    fn load32(self, x: &[f32; NARROW_LANES]) -> Pair32 {
        // SAFETY: `x` is 16 readable floats; each unaligned load reads 8 of them. The CPU
        // has AVX, as `self` proves.
        unsafe {
            Pair32(
                _mm256_loadu_ps(x.as_ptr()),
                _mm256_loadu_ps(x.as_ptr().add(8)),
            )
        }
    }

    #[inline(always)]
    fn store32(self, v: Pair32) -> [f32; NARROW_LANES] {
        let mut out = [0.0; NARROW_LANES];
        // SAFETY: `out` is 16 writable floats; each unaligned store writes 8 of them. The
        // CPU has AVX, as `self` proves.
        unsafe {
            _mm256_storeu_ps(out.as_mut_ptr(), v.0);
            _mm256_storeu_ps(out.as_mut_ptr().add(8), v.1);
        }
        out
    }

    #[inline(always)]
    fn fmadd32(self, a: Pair32, b: Pair32, c: Pair32) -> Pair32 {
        Pair32(
            avx2!(_mm256_fmadd_ps(a.0, b.0, c.0)),
            avx2!(_mm256_fmadd_ps(a.1, b.1, c.1)),
        )
    }

    #[inline(always)]
    fn min32(self, a: Pair32, b: Pair32) -> Pair32 {
        Pair32(
            avx2!(_mm256_min_ps(a.0, b.0)),
            avx2!(_mm256_min_ps(a.1, b.1)),
        )
    }

    #[inline(always)]
    fn lt32(self, a: Pair32, b: Pair32) -> Pair32 {
        Pair32(
            avx2!(_mm256_cmp_ps::<_CMP_LT_OQ>(a.0, b.0)),
            avx2!(_mm256_cmp_ps::<_CMP_LT_OQ>(a.1, b.1)),
        )
    }

    #[inline(always)]
    fn select32(self, m: Pair32, a: Pair32, b: Pair32) -> Pair32 {
        Pair32(
            avx2!(_mm256_blendv_ps(b.0, a.0, m.0)),
            avx2!(_mm256_blendv_ps(b.1, a.1, m.1)),
        )
    }

    #[inline(always)]
    fn add32(self, a: Pair32, b: Pair32) -> Pair32 {
        Pair32(
            avx2!(_mm256_add_ps(a.0, b.0)),
            avx2!(_mm256_add_ps(a.1, b.1)),
        )
    }

    #[inline(always)]
    fn sub32(self, a: Pair32, b: Pair32) -> Pair32 {
        Pair32(
            avx2!(_mm256_sub_ps(a.0, b.0)),
            avx2!(_mm256_sub_ps(a.1, b.1)),
        )
    }

    #[inline(always)]
    fn mul32(self, a: Pair32, b: Pair32) -> Pair32 {
        Pair32(
            avx2!(_mm256_mul_ps(a.0, b.0)),
            avx2!(_mm256_mul_ps(a.1, b.1)),
        )
    }

    #[inline(always)]
    fn sqrt32(self, a: Pair32) -> Pair32 {
        Pair32(avx2!(_mm256_sqrt_ps(a.0)), avx2!(_mm256_sqrt_ps(a.1)))
    }

    #[inline(always)]
    fn eq32(self, a: Pair32, b: Pair32) -> Pair32 {
        Pair32(
            avx2!(_mm256_cmp_ps::<_CMP_EQ_OQ>(a.0, b.0)),
            avx2!(_mm256_cmp_ps::<_CMP_EQ_OQ>(a.1, b.1)),
        )
    }
}

entry_points!(Avx2, dot_groups = 1, features = "avx2,fma,popcnt");
narrow_entry_points!(Avx2, groups = 1, features = "avx2,fma,popcnt");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{f32_down, f32_up};

    #[test]
    fn narrowing_matches_the_scalar_rounding_lane_for_lane() {
        let Some(isa) = Avx2::detect() else {
            return;
        };
        let tiny = f64::from(f32::from_bits(1));
        let specials = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.1,
            -0.1,
            1.0 / 3.0,
            -2.0 / 3.0,
            tiny,
            -tiny,
            tiny / 3.0,
            -tiny / 3.0,
            1e-300,
            -1e-300,
            3.4e38,
            -3.4e38,
            1e39,
            -1e39,
            f64::INFINITY,
            f64::NEG_INFINITY,
            16777217.0,
            -16777217.0,
            12345.678,
            2.0,
        ];
        let more = (0..4000).map(|i| ((i * 7919) % 10007) as f64 * 1.37e-3 - 6.5);
        let values: Vec<f64> = specials.into_iter().chain(more).collect();
        for v in values.chunks_exact(LANES) {
            let v: &[f64; LANES] = v.try_into().unwrap();
            let lanes = isa.load(v);
            let (up, down) = (isa.narrow_up(lanes), isa.narrow_down(lanes));
            for l in 0..LANES {
                assert_eq!(up[l].to_bits(), f32_up(v[l]).to_bits(), "up {}", v[l]);
                assert_eq!(down[l].to_bits(), f32_down(v[l]).to_bits(), "down {}", v[l]);
            }
        }
    }

    #[test]
    fn single_precision_roots_match_the_portable_ones_lane_for_lane() {
        let Some(isa) = Avx2::detect() else {
            return;
        };
        let portable = super::super::portable::Portable;
        let tiny = f64::from(f32::from_bits(1));
        let specials = [
            0.0,
            1.0,
            2.0,
            tiny,
            tiny / 3.0,
            1e-300,
            3.4e38,
            3.5e38,
            1e39,
        ];
        let more = (0..4000).map(|i| ((i * 7919) % 10007) as f64 * 1.37e-3);
        let values: Vec<f64> = specials.into_iter().chain(more).collect();
        for v in values.chunks_exact(LANES) {
            let v: &[f64; LANES] = v.try_into().unwrap();
            let (up, down) = isa.sqrt_outward(isa.load(v), isa.load(v));
            let (up, down) = (isa.store(up), isa.store(down));
            let (want_up, want_down) = portable.sqrt_outward(*v, *v);
            for l in 0..LANES {
                assert_eq!(up[l].to_bits(), want_up[l].to_bits(), "up {}", v[l]);
                assert_eq!(down[l].to_bits(), want_down[l].to_bits(), "down {}", v[l]);
            }
        }
        let inf = isa.splat(f64::INFINITY);
        let (up, down) = isa.sqrt_outward(inf, inf);
        assert_eq!(isa.store(up), [f64::INFINITY; LANES]);
        assert_eq!(
            isa.store(down),
            portable
                .sqrt_outward([0.0; LANES], [f64::INFINITY; LANES])
                .1
        );
    }
}
