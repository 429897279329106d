//! One dimension dispatch for every rung: code generic over the number of features `D`
//! unrolls its loops over them when `D` is a constant.

/// The largest dimension [`with_dims!`](crate::with_dims) makes a constant.
pub const MAX_CONST_DIMS: usize = 16;

/// Evaluates `$body` with `$D` a `const usize` equal to `$d` when `1 <= $d <= 16`
/// ([`MAX_CONST_DIMS`]), so that a call such as `f::<D>(…)` gets a loop over the
/// features the compiler unrolls; otherwise evaluates `$fallback`.
///
/// ```
/// fn sum<const D: usize>(x: &[f64]) -> f64 {
///     x[..D].iter().sum()
/// }
/// let x = [1.0, 2.0, 3.0];
/// let total = ladder_core::with_dims!(x.len(), D => sum::<D>(&x), _ => x.iter().sum());
/// assert_eq!(total, 6.0);
/// ```
#[macro_export]
macro_rules! with_dims {
    ($d:expr, $D:ident => $body:expr, _ => $fallback:expr $(,)?) => {
        $crate::with_dims!(@arms $d, $D, $body, $fallback;
            1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16)
    };
    (@arms $d:expr, $D:ident, $body:expr, $fallback:expr; $($n:literal)*) => {
        match $d {
            $($n => {
                const $D: usize = $n;
                $body
            })*
            _ => $fallback,
        }
    };
}

#[cfg(test)]
mod tests {
    fn unrolled<const D: usize>() -> usize {
        D
    }

    #[test]
    fn every_small_dimension_is_a_constant_and_the_rest_fall_back() {
        for d in 0..=20 {
            let got = with_dims!(d, D => unrolled::<D>(), _ => usize::MAX);
            let want = if (1..=super::MAX_CONST_DIMS).contains(&d) {
                d
            } else {
                usize::MAX
            };
            assert_eq!(got, want);
        }
    }
}
