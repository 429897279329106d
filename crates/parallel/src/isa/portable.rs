//! The primitives in plain Rust, for CPUs without AVX2: a vector is an array of 8
//! lanes, a mask 8 bits.

use super::{Isa, entry_points};
use crate::LANES;

/// Any CPU runs the portable kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Portable;

type V = [f64; LANES];

fn map(a: V, b: V, f: impl Fn(f64, f64) -> f64) -> V {
    std::array::from_fn(|l| f(a[l], b[l]))
}

impl Isa for Portable {
    type V = V;
    type M = u8;

    #[inline(always)]
    fn splat(self, x: f64) -> V {
        [x; LANES]
    }

    #[inline(always)]
    fn load(self, x: &[f64; LANES]) -> V {
        *x
    }

    #[inline(always)]
    fn widen(self, x: &[f32; LANES]) -> V {
        x.map(f64::from)
    }

    #[inline(always)]
    fn store(self, v: V) -> [f64; LANES] {
        v
    }

    #[inline(always)]
    fn add(self, a: V, b: V) -> V {
        map(a, b, |a, b| a + b)
    }

    #[inline(always)]
    fn sub(self, a: V, b: V) -> V {
        map(a, b, |a, b| a - b)
    }

    #[inline(always)]
    fn mul(self, a: V, b: V) -> V {
        map(a, b, |a, b| a * b)
    }

    #[inline(always)]
    fn fmadd(self, a: V, b: V, c: V) -> V {
        std::array::from_fn(|l| a[l].mul_add(b[l], c[l]))
    }

    #[inline(always)]
    fn min(self, a: V, b: V) -> V {
        map(a, b, |a, b| if a < b { a } else { b })
    }

    #[inline(always)]
    fn lt(self, a: V, b: V) -> u8 {
        (0..LANES).fold(0, |m, l| m | (u8::from(a[l] < b[l]) << l))
    }

    #[inline(always)]
    fn eq(self, a: V, b: V) -> u8 {
        (0..LANES).fold(0, |m, l| m | (u8::from(a[l] == b[l]) << l))
    }

    #[inline(always)]
    fn select(self, m: u8, a: V, b: V) -> V {
        std::array::from_fn(|l| if m >> l & 1 == 1 { a[l] } else { b[l] })
    }

    #[inline(always)]
    fn bits(self, m: u8) -> u8 {
        m
    }

    #[inline(always)]
    fn sqrt(self, a: V) -> V {
        a.map(f64::sqrt)
    }

    #[inline(always)]
    fn lookup(self, table: &[f64], idx: &[u32; LANES]) -> V {
        idx.map(|i| table[i as usize])
    }
}

entry_points!(Portable, dot_groups = 1);
