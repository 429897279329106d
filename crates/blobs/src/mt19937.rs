//! numpy's legacy `RandomState`, bit for bit: MT19937 with Knuth seeding, the 53-bit
//! double, the polar-method Gaussian with its one-value cache, bit-mask bounded integers
//! and the descending Fisher–Yates shuffle. Section numbers refer to the specification
//! this was written from (`tests/data/README.md` names it).

const N: usize = 624;
const M: usize = 397;
const MATRIX_A: u32 = 0x9908_B0DF;
const UPPER_MASK: u32 = 0x8000_0000;
const LOWER_MASK: u32 = 0x7FFF_FFFF;

/// `numpy.random.RandomState(seed)` for an integer seed.
#[derive(Clone)]
pub struct RandomState {
    mt: [u32; N],
    pos: usize,
    gauss: Option<f64>,
}

impl RandomState {
    /// Knuth/Matsumoto `init_genrand` (§1.2). numpy accepts seeds in `0..2^32` only, so
    /// the seed is a `u32`.
    pub fn new(seed: u32) -> Self {
        let mut mt = [0u32; N];
        mt[0] = seed;
        for i in 1..N {
            let prev = mt[i - 1];
            mt[i] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        Self {
            mt,
            pos: N,
            gauss: None,
        }
    }

    /// The in-place regeneration (§1.4).
    fn twist(&mut self) {
        for k in 0..N {
            let y = (self.mt[k] & UPPER_MASK) | (self.mt[(k + 1) % N] & LOWER_MASK);
            let mag = if y & 1 == 1 { MATRIX_A } else { 0 };
            self.mt[k] = self.mt[(k + M) % N] ^ (y >> 1) ^ mag;
        }
        self.pos = 0;
    }

    /// One tempered 32-bit word (§1.5).
    pub fn next_u32(&mut self) -> u32 {
        if self.pos == N {
            self.twist();
        }
        let mut y = self.mt[self.pos];
        self.pos += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9D2C_5680;
        y ^= (y << 15) & 0xEFC6_0000;
        y ^ (y >> 18)
    }

    /// `random_sample()`: a double in `[0, 1)` from two words, the first giving the high
    /// 27 bits (§2.1).
    pub fn next_double(&mut self) -> f64 {
        let a = f64::from(self.next_u32() >> 5);
        let b = f64::from(self.next_u32() >> 6);
        (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    /// `uniform(low, high)` for one element: `low + (high - low) * u` (§2.3); `range` is
    /// `high - low`, computed once by the caller as numpy does.
    pub fn uniform(&mut self, low: f64, range: f64) -> f64 {
        low + range * self.next_double()
    }

    /// The legacy Gaussian (§2.4): Marsaglia's polar method; of each accepted pair the
    /// `x2` product is returned first and the `x1` product cached for the next call.
    pub fn gauss(&mut self) -> f64 {
        if let Some(g) = self.gauss.take() {
            return g;
        }
        loop {
            let x1 = 2.0 * self.next_double() - 1.0;
            let x2 = 2.0 * self.next_double() - 1.0;
            let r2 = x1 * x1 + x2 * x2;
            if r2 < 1.0 && r2 != 0.0 {
                // `ln` is the C library's `log` on Linux, as in numpy (§6).
                let f = ((-2.0 * r2.ln()) / r2).sqrt();
                self.gauss = Some(f * x1);
                return f * x2;
            }
        }
    }

    /// A uniform integer in `[0, max]` by bit-mask rejection (§2.6, the 32-bit branch).
    pub fn interval(&mut self, max: u32) -> u32 {
        if max == 0 {
            return 0;
        }
        let mut mask = max;
        for shift in [1, 2, 4, 8, 16] {
            mask |= mask >> shift;
        }
        loop {
            let v = self.next_u32() & mask;
            if v <= max {
                return v;
            }
        }
    }

    /// `shuffle(x)` for a 1-D sequence: Fisher–Yates from the end (§2.7).
    pub fn shuffle<T>(&mut self, x: &mut [T]) {
        for i in (1..x.len()).rev() {
            let j = self.interval(i as u32) as usize;
            x.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_zero_matches_the_spec_worked_examples() {
        let mut rs = RandomState::new(0);
        let words: Vec<u32> = (0..5).map(|_| rs.next_u32()).collect();
        assert_eq!(
            words,
            [2357136044, 2546248239, 3071714933, 3626093760, 2588848963]
        );
        let mut rs = RandomState::new(0);
        assert_eq!(rs.next_double().to_bits(), 0x3fe1_8fe1_565f_12a8);
        let mut rs = RandomState::new(0);
        let mut v: Vec<u32> = (0..10).collect();
        rs.shuffle(&mut v);
        assert_eq!(v, [2, 8, 4, 9, 1, 6, 7, 3, 0, 5]);
    }

    #[test]
    fn the_gaussian_cache_spans_calls() {
        let mut a = RandomState::new(5);
        let mut b = RandomState::new(5);
        let first: Vec<u64> = (0..8).map(|_| a.gauss().to_bits()).collect();
        let mut second: Vec<u64> = (0..3).map(|_| b.gauss().to_bits()).collect();
        // After 3 Gaussians one is cached: a uniform draw in between does not touch it.
        b.next_double();
        second.push(b.gauss().to_bits());
        assert_eq!(first[..4], second[..]);
    }
}
