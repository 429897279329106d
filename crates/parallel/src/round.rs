//! Narrowing to single precision in a chosen direction, for bounds that must stay on
//! their side of the value they bound.

/// `x` rounded up to single precision, without a branch (`x` finite or infinite, not
/// NaN).
#[inline]
pub fn f32_up(x: f64) -> f32 {
    let y = x as f32;
    // One step toward +∞ where the conversion went below x: up for a positive float's
    // bits, down for a negative one's (from +0, one step up is the smallest subnormal).
    let (bits, low) = (y.to_bits(), u32::from(f64::from(y) < x));
    let negative = bits >> 31;
    f32::from_bits(bits.wrapping_add(low).wrapping_sub((low & negative) << 1))
}

/// `x` rounded down to single precision, without a branch.
#[inline]
pub fn f32_down(x: f64) -> f32 {
    -f32_up(-x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_precision_rounds_outward() {
        for x in [0.1, 1.0 / 3.0, 2.0, 1e-30, 12345.678, -0.7, -1e-45, 0.0] {
            assert!(f64::from(f32_up(x)) >= x, "{x}");
            assert!(f64::from(f32_down(x)) <= x, "{x}");
            assert!(f64::from(f32_up(x)) - f64::from(f32_down(x)) <= x.abs() * 2.5e-7 + 1e-44);
        }
        assert_eq!(f32_up(2.0), 2.0);
        assert_eq!(f32_up(f64::INFINITY), f32::INFINITY);
        assert_eq!(f32_down(f64::NEG_INFINITY), f32::NEG_INFINITY);
    }
}
