//! Tests of the primitives that every ISA shares the definition of.

use super::Isa;
use super::portable::Portable;
use crate::LANES;

/// The single-precision roots of `x` widened outward, as every ISA computes them (the
/// portable kernel's): an upper bound on `√x` and a lower one.
pub(crate) fn sqrt32_bounds(x: f64) -> (f64, f64) {
    let (up, down) = Portable.sqrt_outward([x; LANES], [x; LANES]);
    (up[0], down[0])
}

#[test]
fn single_precision_roots_bound_the_root_outward_and_closely() {
    let tiny = f64::from(f32::from_bits(1));
    let min_normal = f64::from(f32::MIN_POSITIVE);
    let specials = [
        0.0,
        tiny,
        tiny / 3.0,
        tiny * 0.75,
        tiny * 1.5,
        min_normal * 0.999,
        min_normal,
        1e-300,
        1.0,
        2.0,
        1.0 / 3.0,
        16777217.0,
        f64::from(f32::MAX),
        f64::from(f32::MAX) * (1.0 + 1e-9),
        1e39,
        1e300,
    ];
    // Across single precision's range and past it: 10⁻⁶⁰ to 10⁶⁰, uneven mantissas.
    let more = (0..20_000).map(|i| {
        10f64.powf(-60.0 + 120.0 * f64::from(i) / 20_000.0) * (1.0 + f64::from(i % 97) / 101.0)
    });
    for x in specials.into_iter().chain(more) {
        let ((up, down), root) = (sqrt32_bounds(x), x.sqrt());
        // The exact root lies within half an ulp of `root`; the widening is 2⁻²¹.
        assert!(
            up >= root * (1.0 + f64::EPSILON),
            "up {x:e}: {up:e} < {root:e}"
        );
        assert!(
            down <= root * (1.0 - f64::EPSILON),
            "down {x:e}: {down:e} > {root:e}"
        );
        assert!(down >= 0.0 || root < 1e-22, "down {x:e} negative");
        if x <= f64::from(f32::MAX) {
            let room = root * 4e-6 + 2e-22;
            assert!(up - down <= room, "loose {x:e}: {down:e}..{up:e}");
        } else {
            assert!(down >= f64::from(f32::MAX).sqrt() * 0.999, "capped {x:e}");
        }
    }
    let (up, down) = sqrt32_bounds(f64::INFINITY);
    assert_eq!(up, f64::INFINITY);
    assert!(down.is_finite());
}
