//! The primitives on AVX-512: one `__m512d` holds the 8 lanes, comparisons give an
//! 8-bit mask.

use std::arch::x86_64::*;

use super::{Isa, Isa32, SQRT32_TINY, SQRT32_WIDEN, all_in, entry_points, narrow_entry_points};
use crate::LANES;
use crate::kernel::NARROW_LANES;

/// Proof that the CPU has AVX-512F, FMA and POPCNT: only [`Avx512::detect`] makes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Avx512 {
    _detected: (),
}

impl Avx512 {
    /// `Some` on a CPU with AVX-512F, FMA and POPCNT.
    pub(crate) fn detect() -> Option<Self> {
        use std::arch::is_x86_feature_detected as has;
        (has!("avx512f") && has!("fma") && has!("popcnt")).then_some(Self { _detected: () })
    }
}

/// Evaluates an expression of AVX-512F and FMA intrinsics.
macro_rules! avx512 {
    ($e:expr) => {{
        // SAFETY: the intrinsics need AVX-512F and FMA, and an `Avx512` (`self`) exists
        // only on a CPU that has them (`Avx512::detect`).
        unsafe { $e }
    }};
}

impl Isa for Avx512 {
    type V = __m512d;
    type M = __mmask8;

    #[inline(always)]
    fn splat(self, x: f64) -> __m512d {
        avx512!(_mm512_set1_pd(x))
    }

    #[inline(always)]
    fn load(self, x: &[f64; LANES]) -> __m512d {
        // SAFETY: `x` is 8 readable doubles, the 64 bytes an unaligned load reads; the CPU
        // has AVX-512F, as `self` proves.
        unsafe { _mm512_loadu_pd(x.as_ptr()) }
    }

    #[inline(always)]
    fn widen(self, x: &[f32; LANES]) -> __m512d {
        // SAFETY: `x` is 8 readable floats, the 32 bytes an unaligned load reads; the CPU
        // has AVX-512F, as `self` proves.
        unsafe { _mm512_cvtps_pd(_mm256_loadu_ps(x.as_ptr())) }
    }

    #[inline(always)]
    fn store(self, v: __m512d) -> [f64; LANES] {
        let mut out = [0.0; LANES];
        // SAFETY: `out` is 8 writable doubles, the 64 bytes an unaligned store writes;
        // the CPU has AVX-512F, as `self` proves.
        unsafe { _mm512_storeu_pd(out.as_mut_ptr(), v) };
        out
    }

    #[inline(always)]
    fn add(self, a: __m512d, b: __m512d) -> __m512d {
        avx512!(_mm512_add_pd(a, b))
    }

    #[inline(always)]
    fn sub(self, a: __m512d, b: __m512d) -> __m512d {
        avx512!(_mm512_sub_pd(a, b))
    }

    #[inline(always)]
    fn mul(self, a: __m512d, b: __m512d) -> __m512d {
        avx512!(_mm512_mul_pd(a, b))
    }

    #[inline(always)]
    fn fmadd(self, a: __m512d, b: __m512d, c: __m512d) -> __m512d {
        avx512!(_mm512_fmadd_pd(a, b, c))
    }

    #[inline(always)]
    fn min(self, a: __m512d, b: __m512d) -> __m512d {
        avx512!(_mm512_min_pd(a, b))
    }

    #[inline(always)]
    fn lt(self, a: __m512d, b: __m512d) -> __mmask8 {
        avx512!(_mm512_cmp_pd_mask::<_CMP_LT_OQ>(a, b))
    }

    #[inline(always)]
    fn eq(self, a: __m512d, b: __m512d) -> __mmask8 {
        avx512!(_mm512_cmp_pd_mask::<_CMP_EQ_OQ>(a, b))
    }

    #[inline(always)]
    fn select(self, m: __mmask8, a: __m512d, b: __m512d) -> __m512d {
        avx512!(_mm512_mask_blend_pd(m, b, a))
    }

    #[inline(always)]
    fn bits(self, m: __mmask8) -> u8 {
        m
    }

    #[inline(always)]
    fn sqrt(self, a: __m512d) -> __m512d {
        avx512!(_mm512_sqrt_pd(a))
    }

    /// The default's steps on the 8 lanes at once.
    #[inline(always)]
    fn sqrt_outward(self, up: __m512d, down: __m512d) -> (__m512d, __m512d) {
        // SAFETY: register operations only; the CPU has AVX-512F (and so AVX) and FMA, as
        // `self` proves.
        unsafe {
            let down = _mm512_min_pd(down, _mm512_set1_pd(f32::MAX.into()));
            let root = |v: __m512d| _mm512_cvtps_pd(_mm256_sqrt_ps(_mm512_cvtpd_ps(v)));
            let widen = |v: __m512d, scale: f64, add: f64| {
                _mm512_fmadd_pd(v, _mm512_set1_pd(scale), _mm512_set1_pd(add))
            };
            (
                widen(root(up), 1.0 + SQRT32_WIDEN, SQRT32_TINY),
                widen(root(down), 1.0 - SQRT32_WIDEN, -SQRT32_TINY),
            )
        }
    }

    #[inline(always)]
    fn indices(self, v: __m512d) -> [u32; LANES] {
        let mut out = [0u32; LANES];
        // SAFETY: `out` is 8 writable integers, the 32 bytes an unaligned store writes;
        // the CPU has AVX-512F, as `self` proves.
        unsafe {
            let r = _mm512_cvttpd_epi32(v);
            _mm256_storeu_si256(out.as_mut_ptr().cast(), r);
        }
        out
    }

    #[inline(always)]
    fn narrow_up(self, v: __m512d) -> [f32; LANES] {
        let mut out = [0.0f32; LANES];
        // SAFETY: `out` is 8 writable floats, the 32 bytes an unaligned store writes; the
        // CPU has AVX-512F, as `self` proves.
        unsafe {
            let r = _mm512_cvt_roundpd_ps::<{ _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC }>(v);
            _mm256_storeu_ps(out.as_mut_ptr(), r);
        }
        out
    }

    #[inline(always)]
    fn narrow_down(self, v: __m512d) -> [f32; LANES] {
        let mut out = [0.0f32; LANES];
        // SAFETY: as for `narrow_up`.
        unsafe {
            let r = _mm512_cvt_roundpd_ps::<{ _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC }>(v);
            _mm256_storeu_ps(out.as_mut_ptr(), r);
        }
        out
    }

    /// One scatter instead of a store per lane.
    #[inline(always)]
    fn narrow_down_column(self, v: __m512d, out: &mut [f32], stride: usize, lanes: usize) {
        assert!(lanes <= LANES, "at most 8 lanes");
        if lanes == 0 {
            return;
        }
        assert!(
            (lanes - 1) * stride < out.len(),
            "the column within the table"
        );
        let s = stride as i64;
        let mask = ((1u16 << lanes) - 1) as u8;
        // SAFETY: AVX-512F, as for every primitive here; the scatter writes only the
        // `lanes` lanes the mask keeps, at `l * stride < out.len()` (checked above).
        unsafe {
            let r = _mm512_cvt_roundpd_ps::<{ _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC }>(v);
            let idx = _mm512_setr_epi64(0, s, 2 * s, 3 * s, 4 * s, 5 * s, 6 * s, 7 * s);
            _mm512_mask_i64scatter_ps::<4>(out.as_mut_ptr(), mask, idx, r);
        }
    }

    #[inline(always)]
    fn below(self, table: &[f32; 16], labels: &[u32; LANES], values: &[f32; LANES]) -> u8 {
        // SAFETY: a CPU with AVX-512F has AVX2, and `self` proves AVX-512F.
        unsafe { super::avx2::below16(table, labels, values) }
    }

    /// A table of 8 or 16 values is looked up with one permute, a longer one gathered
    /// from memory.
    #[inline(always)]
    fn lookup(self, table: &[f64], idx: &[u32; LANES]) -> __m512d {
        // SAFETY: the first load reads the 32 bytes of `idx`; a table of 8 or 16 is read
        // by loads of 8 values within it, and a permute only uses the low bits of the
        // indices; the gather is reached only after the assert that keeps every address
        // it reads inside `table`. The CPU has AVX-512F, as `self` proves.
        unsafe {
            let lanes = _mm256_loadu_si256(idx.as_ptr().cast());
            match table.len() {
                8 => {
                    let idx = _mm512_cvtepu32_epi64(lanes);
                    _mm512_permutexvar_pd(idx, _mm512_loadu_pd(table.as_ptr()))
                }
                16 => {
                    let idx = _mm512_cvtepu32_epi64(lanes);
                    let lo = _mm512_loadu_pd(table.as_ptr());
                    let hi = _mm512_loadu_pd(table.as_ptr().add(8));
                    _mm512_permutex2var_pd(lo, idx, hi)
                }
                _ => {
                    assert!(all_in(idx, table.len()));
                    _mm512_i32gather_pd::<8>(lanes, table.as_ptr())
                }
            }
        }
    }
}

impl Isa32 for Avx512 {
    type W = __m512;
    type MW = __mmask16;

    #[inline(always)]
    fn splat32(self, x: f32) -> __m512 {
        avx512!(_mm512_set1_ps(x))
    }

    #[inline(always)]
    fn load32(self, x: &[f32; NARROW_LANES]) -> __m512 {
        // SAFETY: `x` is 16 readable floats, the 64 bytes an unaligned load reads; the CPU
        // has AVX-512F, as `self` proves.
        unsafe { _mm512_loadu_ps(x.as_ptr()) }
    }

    #[inline(always)]
    fn store32(self, v: __m512) -> [f32; NARROW_LANES] {
        let mut out = [0.0; NARROW_LANES];
        // SAFETY: `out` is 16 writable floats, the 64 bytes an unaligned store writes;
        // the CPU has AVX-512F, as `self` proves.
        unsafe { _mm512_storeu_ps(out.as_mut_ptr(), v) };
        out
    }

    #[inline(always)]
    fn fmadd32(self, a: __m512, b: __m512, c: __m512) -> __m512 {
        avx512!(_mm512_fmadd_ps(a, b, c))
    }

    #[inline(always)]
    fn min32(self, a: __m512, b: __m512) -> __m512 {
        avx512!(_mm512_min_ps(a, b))
    }

    #[inline(always)]
    fn lt32(self, a: __m512, b: __m512) -> __mmask16 {
        avx512!(_mm512_cmp_ps_mask::<_CMP_LT_OQ>(a, b))
    }

    #[inline(always)]
    fn select32(self, m: __mmask16, a: __m512, b: __m512) -> __m512 {
        avx512!(_mm512_mask_blend_ps(m, b, a))
    }

    #[inline(always)]
    fn add32(self, a: __m512, b: __m512) -> __m512 {
        avx512!(_mm512_add_ps(a, b))
    }

    #[inline(always)]
    fn sub32(self, a: __m512, b: __m512) -> __m512 {
        avx512!(_mm512_sub_ps(a, b))
    }

    #[inline(always)]
    fn mul32(self, a: __m512, b: __m512) -> __m512 {
        avx512!(_mm512_mul_ps(a, b))
    }

    #[inline(always)]
    fn sqrt32(self, a: __m512) -> __m512 {
        avx512!(_mm512_sqrt_ps(a))
    }

    #[inline(always)]
    fn eq32(self, a: __m512, b: __m512) -> __mmask16 {
        avx512!(_mm512_cmp_ps_mask::<_CMP_EQ_OQ>(a, b))
    }

    /// One scatter instead of a store per lane.
    #[inline(always)]
    fn column32(self, v: __m512, out: &mut [f32], stride: usize, lanes: usize) {
        assert!(lanes <= NARROW_LANES, "at most 16 lanes");
        if lanes == 0 {
            return;
        }
        assert!(
            (lanes - 1) * stride < out.len() && out.len() <= i32::MAX as usize,
            "the column within the table"
        );
        let s = stride as i32;
        let mask = ((1u32 << lanes) - 1) as u16;
        // SAFETY: AVX-512F, as for every primitive here; the scatter writes only the
        // `lanes` lanes the mask keeps, at `l * stride < out.len() <= i32::MAX` (checked
        // above, so no index overflows).
        unsafe {
            let idx = _mm512_mullo_epi32(
                _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                _mm512_set1_epi32(s),
            );
            _mm512_mask_i32scatter_ps::<4>(out.as_mut_ptr(), mask, idx, v);
        }
    }
}

entry_points!(Avx512, dot_groups = 3, features = "avx512f,fma,popcnt");
narrow_entry_points!(Avx512, groups = 2, features = "avx512f,fma,popcnt");
