//! The instruction sets the kernels are compiled for, and the choice between them.
//!
//! The kernels (`kernel.rs`) are written once over an 8-lane `f64` vector and its mask,
//! the [`Isa`] trait; each instruction set implements the trait's primitives with its
//! intrinsics ([`avx512`], [`avx2`], and [`portable`] Rust for any CPU). A value of an
//! ISA's type is the proof that the CPU has its features: it can only be made by
//! [`Kernel::detect`], at run time, so one binary runs on any x86-64 without
//! `-C target-cpu=native`.
//!
//! Each ISA module compiles the kernels' entry points inside functions that carry its
//! `#[target_feature]`s ([`entry_points!`]); every primitive and every kernel helper is
//! `#[inline(always)]`, so the whole kernel is one function built for the ISA, as if it
//! were written with its intrinsics (the shape `pulp` and `multiversion` use).

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2;
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512;
pub(crate) mod portable;
#[cfg(test)]
pub(crate) mod tests;

use ladder_core::with_dims;

use crate::kernel::NARROW_LANES;
use crate::kernel::{
    Block, DotCenters, GroupedBlock, GroupedCenters, NarrowBlock, Pending, Swept, Top2Out,
};
use crate::{LANES, Simd};

/// How much [`Isa::sqrt_outward`] widens a single-precision root, relatively: `2⁻²¹`,
/// four times the `2⁻²⁴ + 2⁻²⁴` that rounding the value and its root can lose, so that
/// the double-precision multiply-add's own rounding is covered too.
pub(crate) const SQRT32_WIDEN: f64 = 1.0 / (1u64 << 21) as f64;

/// What [`Isa::sqrt_outward`] adds outward: `2⁻⁷⁴`, twice the root of half the smallest
/// subnormal single (`√2⁻¹⁵⁰ = 2⁻⁷⁵`), all a value below single precision's normal
/// range can lose by rounding.
pub(crate) const SQRT32_TINY: f64 = 1.0 / (1u128 << 74) as f64;

/// An 8-lane `f64` vector type, its mask, and the primitives the kernels use. Every
/// method takes the ISA's value, which exists only on a CPU that has its features.
pub(crate) trait Isa: Copy {
    /// Eight `f64` lanes.
    type V: Copy;
    /// The result of a lane-wise comparison.
    type M: Copy;

    /// `x` in every lane.
    fn splat(self, x: f64) -> Self::V;
    /// Eight values from memory.
    fn load(self, x: &[f64; LANES]) -> Self::V;
    /// Eight single-precision values from memory, widened (exactly).
    fn widen(self, x: &[f32; LANES]) -> Self::V;
    /// The lanes, to memory.
    fn store(self, v: Self::V) -> [f64; LANES];
    /// `a + b`.
    fn add(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a − b`.
    fn sub(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a · b`.
    fn mul(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a · b + c`, rounded once.
    fn fmadd(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    /// The lesser of `a` and `b` (`b` when they are equal).
    fn min(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a < b`, lane by lane (false for NaN).
    fn lt(self, a: Self::V, b: Self::V) -> Self::M;
    /// `a == b`, lane by lane (false for NaN).
    fn eq(self, a: Self::V, b: Self::V) -> Self::M;
    /// `a` where `m` is set, else `b`.
    fn select(self, m: Self::M, a: Self::V, b: Self::V) -> Self::V;
    /// The mask as 8 bits, lane 0 lowest.
    fn bits(self, m: Self::M) -> u8;
    /// `√a`.
    fn sqrt(self, a: Self::V) -> Self::V;
    /// `table[idx[l]]` in lane `l`; every index must be in bounds.
    fn lookup(self, table: &[f64], idx: &[u32; LANES]) -> Self::V;
    /// Rows `offsets[l] / d` of the row-major `rows` (`d` features each: every
    /// `offsets[l] + d` within `rows`) into `group` (`d · 8` values), feature-major:
    /// feature `t` of lane `l` to `group[t · 8 + l]`. By default one gather per feature.
    #[inline(always)]
    fn gather_rows(self, rows: &[f64], offsets: &[u32; LANES], d: usize, group: &mut [f64]) {
        for (t, out) in group.chunks_exact_mut(LANES).take(d).enumerate() {
            out.copy_from_slice(&self.store(self.lookup(&rows[t..], offsets)));
        }
    }
    /// The lanes `l` where `table[labels[l]] < values[l]`, as 8 bits (lane 0 lowest);
    /// every label below 16.
    #[inline(always)]
    fn below(self, table: &[f32; 16], labels: &[u32; LANES], values: &[f32; LANES]) -> u8 {
        let mut bits = 0;
        for (l, (&j, &v)) in labels.iter().zip(values).enumerate() {
            bits |= u8::from(table[j as usize] < v) << l;
        }
        bits
    }
    /// The lanes, whole numbers in `0..2³¹` (center indices), as integers.
    #[inline(always)]
    fn indices(self, v: Self::V) -> [u32; LANES] {
        self.store(v).map(|j| j as u32)
    }
    /// Square roots in single precision, widened outward: lane by lane an upper bound
    /// on `√up` and a lower bound on `√down` (just below 0 where the root is 0), each
    /// within a relative [`SQRT32_WIDEN`] and an absolute [`SQRT32_TINY`] of the root
    /// (past `f32::MAX`, the lower bound is `f32::MAX`'s root). Each value is
    /// rounded to single precision (to nearest; `down` first capped at `f32::MAX`), its
    /// root taken (correctly rounded), and the root widened with one fused multiply-add,
    /// which covers both roundings (and a root of a value in the subnormal range): the
    /// same bits on every ISA. A single-precision root costs a fraction of a double's.
    #[inline(always)]
    fn sqrt_outward(self, up: Self::V, down: Self::V) -> (Self::V, Self::V) {
        let (up, down) = (self.store(up), self.store(down));
        let root = |x: f64| f64::from((x as f32).sqrt());
        let up = up.map(|x| root(x).mul_add(1.0 + SQRT32_WIDEN, SQRT32_TINY));
        let down =
            down.map(|x| root(x.min(f32::MAX.into())).mul_add(1.0 - SQRT32_WIDEN, -SQRT32_TINY));
        (self.load(&up), self.load(&down))
    }
    /// The lanes in single precision, each rounded up.
    #[inline(always)]
    fn narrow_up(self, v: Self::V) -> [f32; LANES] {
        self.store(v).map(crate::f32_up)
    }
    /// The lanes in single precision, each rounded down.
    #[inline(always)]
    fn narrow_down(self, v: Self::V) -> [f32; LANES] {
        self.store(v).map(crate::f32_down)
    }
    /// The first `lanes` lanes in single precision, each rounded down, lane `l` to
    /// `out[l * stride]`: a column of a row-major table.
    #[inline(always)]
    fn narrow_down_column(self, v: Self::V, out: &mut [f32], stride: usize, lanes: usize) {
        for (l, &x) in self.narrow_down(v).iter().enumerate().take(lanes) {
            out[l * stride] = x;
        }
    }
}

/// A 16-lane `f32` vector type beside an [`Isa`]'s, for the single-precision filter
/// scan (`kernel::narrow`): only the vector ISAs implement it.
pub(crate) trait Isa32: Isa {
    /// Sixteen `f32` lanes.
    type W: Copy;
    /// The result of a lane-wise comparison.
    type MW: Copy;

    /// `x` in every lane.
    fn splat32(self, x: f32) -> Self::W;
    /// Sixteen values from memory.
    fn load32(self, x: &[f32; NARROW_LANES]) -> Self::W;
    /// The lanes, to memory.
    fn store32(self, v: Self::W) -> [f32; NARROW_LANES];
    /// `a · b + c`, rounded once.
    fn fmadd32(self, a: Self::W, b: Self::W, c: Self::W) -> Self::W;
    /// The lesser of `a` and `b` (`b` when they are equal).
    fn min32(self, a: Self::W, b: Self::W) -> Self::W;
    /// `a < b`, lane by lane (false for NaN).
    fn lt32(self, a: Self::W, b: Self::W) -> Self::MW;
    /// `a` where `m` is set, else `b`.
    fn select32(self, m: Self::MW, a: Self::W, b: Self::W) -> Self::W;
    /// `a + b`, rounded to nearest.
    fn add32(self, a: Self::W, b: Self::W) -> Self::W;
    /// `a − b`, rounded to nearest.
    fn sub32(self, a: Self::W, b: Self::W) -> Self::W;
    /// `a · b`, rounded to nearest.
    fn mul32(self, a: Self::W, b: Self::W) -> Self::W;
    /// `√a`, rounded to nearest.
    fn sqrt32(self, a: Self::W) -> Self::W;
    /// `a == b`, lane by lane.
    fn eq32(self, a: Self::W, b: Self::W) -> Self::MW;
    /// The first `lanes` lanes, lane `l` to `out[l * stride]`: a column of a row-major
    /// table.
    #[inline(always)]
    fn column32(self, v: Self::W, out: &mut [f32], stride: usize, lanes: usize) {
        for (l, &x) in self.store32(v).iter().enumerate().take(lanes) {
            out[l * stride] = x;
        }
    }
}

/// Whether every index is below `len`: without an early exit, so that the check is a
/// few vector instructions and not eight branches.
#[inline(always)]
pub(crate) fn all_in(idx: &[u32; LANES], len: usize) -> bool {
    idx.iter().fold(true, |ok, &i| ok & ((i as usize) < len))
}

/// The kernels' entry points for one ISA, each compiled with the ISA's features so that
/// the `#[inline(always)]` kernel and primitives inline into it: `exact_groups`,
/// `dot_groups` (with `$dot_groups` groups of points in flight, as many as the ISA's
/// registers hold), `top2_rows` and `sweep`.
macro_rules! entry_points {
    ($isa:ty, dot_groups = $dot_groups:literal $(, features = $features:literal)?) => {
        $(#[target_feature(enable = $features)])?
        pub(crate) fn exact_groups<const D: usize>(
            isa: $isa,
            groups: &[f64],
            centers: &[f64],
            d: usize,
            labels: &mut [u32],
        ) {
            crate::kernel::exact_groups::<$isa, D>(isa, groups, centers, d, labels)
        }

        $(#[target_feature(enable = $features)])?
        pub(crate) fn dot_groups<const D: usize>(
            isa: $isa,
            block: crate::kernel::Block<'_>,
            centers: &[f64],
            dot: &crate::kernel::DotCenters,
            d: usize,
        ) -> u64 {
            crate::kernel::dot_groups::<$isa, D, $dot_groups>(isa, block, centers, dot, d)
        }

        $(#[target_feature(enable = $features)])?
        pub(crate) fn top2_rows<const D: usize>(
            isa: $isa,
            pending: crate::kernel::Pending<'_>,
            centers: &[f64],
            d: usize,
            scratch: &mut [f64],
            out: impl crate::kernel::Top2Out,
        ) {
            crate::kernel::top2_rows::<$isa, D>(isa, pending, centers, d, scratch, out)
        }

        $(#[target_feature(enable = $features)])?
        pub(crate) fn grouped_exact<const D: usize>(
            isa: $isa,
            block: crate::kernel::GroupedBlock<'_>,
            centers: &crate::kernel::GroupedCenters,
            d: usize,
        ) {
            crate::kernel::grouped_exact::<$isa, D>(isa, block, centers, d)
        }

        $(#[target_feature(enable = $features)])?
        pub(crate) fn grouped_dot<const D: usize>(
            isa: $isa,
            block: crate::kernel::GroupedBlock<'_>,
            centers: &crate::kernel::GroupedCenters,
            d: usize,
        ) {
            crate::kernel::grouped_dot::<$isa, D, $dot_groups>(isa, block, centers, d)
        }

        $(#[target_feature(enable = $features)])?
        pub(crate) fn pair_rows<const D: usize>(
            isa: $isa,
            pending: crate::kernel::Pending<'_>,
            own: (&[f64], &[u32]),
            d: usize,
            scratch: &mut [f64],
            out: &mut [f64],
        ) {
            crate::kernel::pair_rows::<$isa, D>(isa, pending, own, d, scratch, out)
        }

        $(#[target_feature(enable = $features)])?
        pub(crate) fn sweep(
            isa: $isa,
            groups: crate::kernel::Swept<'_>,
            threshold: &[f64],
            margin: f64,
            pending: &mut [u32],
        ) -> usize {
            crate::kernel::sweep::<$isa>(isa, groups, threshold, margin, pending)
        }
    };
}
pub(crate) use entry_points;

/// The single-precision filter scan's entry point for a vector ISA, with `$groups`
/// groups of 16 points in flight.
macro_rules! narrow_entry_points {
    ($isa:ty, groups = $groups:literal, features = $features:literal) => {
        #[target_feature(enable = $features)]
        pub(crate) fn grouped_narrow<const D: usize>(
            isa: $isa,
            block: crate::kernel::NarrowBlock<'_>,
            centers: &crate::kernel::GroupedCenters,
            d: usize,
        ) {
            crate::kernel::grouped_narrow::<$isa, D, $groups>(isa, block, centers, d)
        }
    };
}
pub(crate) use narrow_entry_points;

/// Which compiled version of the kernels runs, holding the proof that the CPU can run it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kernel {
    /// AVX-512F with FMA: one register holds the 8 lanes.
    #[cfg(target_arch = "x86_64")]
    Avx512(avx512::Avx512),
    /// AVX2 with FMA: two registers hold the 8 lanes.
    #[cfg(target_arch = "x86_64")]
    Avx2(avx2::Avx2),
    /// Plain Rust, for any CPU.
    Baseline(portable::Portable),
}

/// Calls entry point `$f` of the ISA `$kernel` holds, with the dimension `$d` a constant
/// `D` where [`with_dims!`] makes it one (else `D = 0`, and the kernel reads `d`).
macro_rules! dispatch_dims {
    ($kernel:expr, $d:expr, $f:ident($($arg:expr),*)) => {
        match $kernel {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: an `Avx512` exists only on a CPU with the features its entry points
            // are compiled with (`Avx512::detect`).
            Kernel::Avx512(isa) => unsafe {
                with_dims!($d, D => avx512::$f::<D>(isa, $($arg),*), _ => avx512::$f::<0>(isa, $($arg),*))
            },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: likewise for `Avx2` (`Avx2::detect`).
            Kernel::Avx2(isa) => unsafe {
                with_dims!($d, D => avx2::$f::<D>(isa, $($arg),*), _ => avx2::$f::<0>(isa, $($arg),*))
            },
            Kernel::Baseline(isa) => {
                with_dims!($d, D => portable::$f::<D>(isa, $($arg),*), _ => portable::$f::<0>(isa, $($arg),*))
            }
        }
    };
}

impl Kernel {
    /// The best kernel this CPU runs.
    pub(crate) fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            if let Some(isa) = avx512::Avx512::detect() {
                return Kernel::Avx512(isa);
            }
            if let Some(isa) = avx2::Avx2::detect() {
                return Kernel::Avx2(isa);
            }
        }
        Kernel::BASELINE
    }

    /// Every kernel this CPU runs, the best first.
    #[cfg(test)]
    pub(crate) fn all() -> Vec<Self> {
        let mut all = Vec::new();
        #[cfg(target_arch = "x86_64")]
        {
            all.extend(avx512::Avx512::detect().map(Kernel::Avx512));
            all.extend(avx2::Avx2::detect().map(Kernel::Avx2));
        }
        all.push(Kernel::BASELINE);
        all
    }

    /// The plain-Rust kernel, which every CPU runs.
    pub(crate) const BASELINE: Kernel = Kernel::Baseline(portable::Portable);

    /// The dot-product kernel needs fused multiply-add in hardware: the vector kernels.
    pub(crate) fn has_fma(self) -> bool {
        !matches!(self, Kernel::Baseline(_))
    }

    /// The instruction set, as the fit's facts report it.
    pub(crate) fn simd(self) -> Simd {
        match self {
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512(_) => Simd::Avx512,
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2(_) => Simd::Avx2,
            Kernel::Baseline(_) => Simd::Baseline,
        }
    }

    /// Labels one block (see `kernel::exact_groups` and `kernel::dot_groups`); returns
    /// how many points the dot-product kernel re-checked exactly.
    pub(crate) fn assign_block(
        self,
        block: Block<'_>,
        centers: &[f64],
        dot: Option<&DotCenters>,
        d: usize,
    ) -> u64 {
        match dot {
            None => {
                dispatch_dims!(
                    self,
                    d,
                    exact_groups(block.groups, centers, d, block.labels)
                );
                0
            }
            Some(dot) => dispatch_dims!(self, d, dot_groups(block, centers, dot, d)),
        }
    }

    /// The exact top-two scan of the `pending` points (see `kernel::top2_rows`).
    pub(crate) fn top2(
        self,
        pending: Pending<'_>,
        centers: &[f64],
        d: usize,
        scratch: &mut [f64],
        out: impl Top2Out,
    ) {
        dispatch_dims!(self, d, top2_rows(pending, centers, d, scratch, out))
    }

    /// The grouped scan of one block (see `kernel::grouped_exact`, `kernel::grouped_dot`).
    pub(crate) fn grouped(
        self,
        block: GroupedBlock<'_>,
        centers: &GroupedCenters,
        d: usize,
        dot: bool,
    ) {
        match dot {
            false => dispatch_dims!(self, d, grouped_exact(block, centers, d)),
            true => dispatch_dims!(self, d, grouped_dot(block, centers, d)),
        }
    }

    /// The single-precision grouped scan of one block (see `kernel::grouped_narrow`).
    /// Only the vector kernels have it ([`NarrowLayout`](crate::NarrowLayout) is made
    /// only for them).
    pub(crate) fn grouped_narrow(self, block: NarrowBlock<'_>, centers: &GroupedCenters, d: usize) {
        match self {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: an `Avx512` exists only on a CPU with the features its entry points
            // are compiled with (`Avx512::detect`).
            Kernel::Avx512(isa) => unsafe {
                with_dims!(d, D => avx512::grouped_narrow::<D>(isa, block, centers, d), _ => avx512::grouped_narrow::<0>(isa, block, centers, d))
            },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: likewise for `Avx2` (`Avx2::detect`).
            Kernel::Avx2(isa) => unsafe {
                with_dims!(d, D => avx2::grouped_narrow::<D>(isa, block, centers, d), _ => avx2::grouped_narrow::<0>(isa, block, centers, d))
            },
            Kernel::Baseline(_) => unreachable!("a narrow layout needs a vector kernel"),
        }
    }

    /// Each pending point's exact squared distance to its own center (see
    /// `kernel::pair_rows`).
    pub(crate) fn pair_rows(
        self,
        pending: Pending<'_>,
        own: (&[f64], &[u32]),
        d: usize,
        scratch: &mut [f64],
        out: &mut [f64],
    ) {
        dispatch_dims!(self, d, pair_rows(pending, own, d, scratch, out))
    }

    /// The bounds' test over groups of 8 points (see `kernel::sweep`).
    pub(crate) fn sweep(
        self,
        groups: Swept<'_>,
        threshold: &[f64],
        margin: f64,
        pending: &mut [u32],
    ) -> usize {
        match self {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: an `Avx512` exists only on a CPU with the features its entry points
            // are compiled with (`Avx512::detect`).
            Kernel::Avx512(isa) => unsafe {
                avx512::sweep(isa, groups, threshold, margin, pending)
            },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: likewise for `Avx2` (`Avx2::detect`).
            Kernel::Avx2(isa) => unsafe { avx2::sweep(isa, groups, threshold, margin, pending) },
            Kernel::Baseline(isa) => portable::sweep(isa, groups, threshold, margin, pending),
        }
    }
}
