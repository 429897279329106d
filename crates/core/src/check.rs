//! Checked once, by type: [`FitParams::check`] turns the parameters and the points into
//! a [`Checked`] fit — the points, the parameters and the initial centers, all valid —
//! which every stage takes. Nothing downstream assumes a check happened: without a
//! `Checked` (or, for points an engine streams from a file, a [`Plan`]) there is no fit.

use std::borrow::Cow;

use rayon::prelude::*;

use crate::{FitError, FitParams, Points, init};

/// Coordinates must stay within ±1e150: then every squared distance and every cluster sum
/// stays finite (1e150² · d is far below `f64::MAX` ≈ 1.8e308), so no stage can produce
/// NaN or infinity from valid input.
pub const MAX_ABS_COORDINATE: f64 = 1e150;

/// Points a fit can read row by row: in memory ([`Points`]), or in a file that an engine
/// streams. [`FitParams::check_source`] checks them block by block.
pub trait PointSource {
    /// What reading the points can fail with; an input error must convert into it.
    type Error: From<FitError>;

    /// Number of points.
    fn n(&self) -> usize;

    /// Features per point.
    fn d(&self) -> usize;

    /// Copies the rows from row `start` on into `out` (`out.len() / d` rows).
    fn read_rows(&self, start: usize, out: &mut [f64]) -> Result<(), Self::Error>;

    /// Every point, row-major. By default read into memory; a source in memory lends it.
    fn read_all(&self) -> Result<Cow<'_, [f64]>, Self::Error> {
        let mut all = vec![0.0; self.n() * self.d()];
        self.read_rows(0, &mut all)?;
        Ok(Cow::Owned(all))
    }

    /// Checks every coordinate ([`check_values`]); by default with
    /// [`PointSource::check_blocks`].
    fn check_values(&self) -> Result<Extent, Self::Error> {
        self.check_blocks()
    }

    /// Checks every coordinate ([`check_values`]), a block of rows at a time, and names
    /// the first offender by its row in the whole input.
    fn check_blocks(&self) -> Result<Extent, Self::Error> {
        const BLOCK_ROWS: usize = 65_536;
        let (n, d) = (self.n(), self.d());
        let (mut block, mut extent) = (Vec::new(), Extent::default());
        for start in (0..n).step_by(BLOCK_ROWS) {
            block.resize(BLOCK_ROWS.min(n - start) * d, 0.0);
            self.read_rows(start, &mut block)?;
            let found = check_values(Points::new(&block, d)?).map_err(|e| e.offset_rows(start))?;
            extent = extent.max(found);
        }
        Ok(extent)
    }
}

impl PointSource for Points<'_> {
    type Error = FitError;

    fn n(&self) -> usize {
        Points::n(self)
    }

    fn d(&self) -> usize {
        Points::d(self)
    }

    fn read_rows(&self, start: usize, out: &mut [f64]) -> Result<(), FitError> {
        let from = start * Points::d(self);
        out.copy_from_slice(&self.as_slice()[from..from + out.len()]);
        Ok(())
    }

    fn read_all(&self) -> Result<Cow<'_, [f64]>, FitError> {
        Ok(Cow::Borrowed(self.as_slice()))
    }

    fn check_values(&self) -> Result<Extent, FitError> {
        check_values(*self)
    }
}

/// Parameters checked against points of `n × d`, with the initial centers chosen: what
/// a fit needs besides the points themselves. An engine that streams its points from a
/// file gets one from [`FitParams::check_source`]; a fit in memory holds one inside its
/// [`Checked`].
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    params: FitParams,
    n: usize,
    d: usize,
    extent: Extent,
    initial_centers: Vec<f64>,
}

/// What the check of every coordinate learns besides their validity: the largest
/// absolute value of any, which bounds the norm of every point — engines that keep
/// bounds scale their rounding margins by it, without another pass over the points.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Extent {
    largest: f64,
}

impl Extent {
    /// The largest absolute value of any coordinate.
    pub fn largest(self) -> f64 {
        self.largest
    }

    /// An upper bound on the norm of any point of `d` features: `√d` times the largest
    /// absolute coordinate, rounded up (each of the two roundings is within an ε).
    pub fn norm_bound(self, d: usize) -> f64 {
        (d as f64).sqrt() * self.largest * (1.0 + 4.0 * f64::EPSILON)
    }

    /// The extent of both sets of points.
    pub fn max(self, other: Extent) -> Extent {
        Extent {
            largest: self.largest.max(other.largest),
        }
    }
}

impl Plan {
    /// The parameters, valid for these points.
    pub fn params(&self) -> &FitParams {
        &self.params
    }

    /// The clusters: `1 <= k <= n`.
    pub fn k(&self) -> usize {
        self.params.k
    }

    /// The points' [`Extent`], found by the check.
    pub fn extent(&self) -> Extent {
        self.extent
    }

    /// Number of points.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Features per point.
    pub fn d(&self) -> usize {
        self.d
    }

    /// The `k × d` centers (row-major) the fit starts from, the same for every stage.
    pub fn initial_centers(&self) -> &[f64] {
        &self.initial_centers
    }
}

/// Points in memory with a [`Plan`] checked against them: the input of every stage.
#[derive(Debug, Clone)]
pub struct Checked<'a> {
    points: Points<'a>,
    plan: Plan,
}

impl<'a> Checked<'a> {
    /// The points, every coordinate finite and within ±[`MAX_ABS_COORDINATE`].
    pub fn points(&self) -> Points<'a> {
        self.points
    }

    /// The parameters, the shape and the initial centers.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The parameters, valid for these points.
    pub fn params(&self) -> &FitParams {
        &self.plan.params
    }

    /// The `k × d` centers (row-major) the fit starts from.
    pub fn initial_centers(&self) -> &[f64] {
        &self.plan.initial_centers
    }
}

impl FitParams {
    /// Checks the parameters against the points — `1 <= k <= n`, `max_iter >= 1`, given
    /// initial centers of `k × d` valid values, every coordinate finite and within
    /// ±[`MAX_ABS_COORDINATE`] — and chooses the initial centers.
    pub fn check<'a>(&self, points: Points<'a>) -> Result<Checked<'a>, FitError> {
        let plan = self.check_source(&points)?;
        Ok(Checked { points, plan })
    }

    /// [`FitParams::check`] for points read from `source`, a block at a time (a file an
    /// engine streams, say); `k-means++` reads them all once, as it looks at every point
    /// for every center it picks.
    pub fn check_source<S: PointSource>(&self, source: &S) -> Result<Plan, S::Error> {
        let (n, d) = (source.n(), source.d());
        self.check_shape(n, d)?;
        let extent = source.check_values()?;
        Ok(Plan {
            initial_centers: init::initial_centers(source, self)?,
            params: self.clone(),
            n,
            d,
            extent,
        })
    }

    /// The checks that need only the shape of the points: `1 <= k <= n`,
    /// `max_iter >= 1`, and given initial centers of `k × d` valid values.
    fn check_shape(&self, n: usize, d: usize) -> Result<(), FitError> {
        if d == 0 {
            return Err(FitError::NoFeatures);
        }
        if n == 0 {
            return Err(FitError::NoPoints);
        }
        if self.k == 0 {
            return Err(FitError::KZero);
        }
        if self.k > n {
            return Err(FitError::KTooLarge { k: self.k, n });
        }
        if self.max_iter == 0 {
            return Err(FitError::MaxIterZero);
        }
        if let Some(centers) = &self.initial_centers {
            if centers.len() != self.k * d {
                return Err(FitError::DimensionMismatch {
                    k: self.k,
                    d,
                    got: centers.len(),
                });
            }
            check_values(Points::new(centers, d)?)
                .map_err(|e| FitError::BadInitialCenter(Box::new(e)))?;
        }
        Ok(())
    }
}

/// Values above which the check of every coordinate runs on rayon's threads.
const PARALLEL_VALUES: usize = 1 << 18;

/// Every coordinate finite and within ±[`MAX_ABS_COORDINATE`]; the first offender is
/// named. Returns the points' [`Extent`], found in the same pass over them.
pub fn check_values(points: Points<'_>) -> Result<Extent, FitError> {
    // Chunk by chunk without an early exit (folds the compiler vectorises: several times
    // faster than `position` over millions of values); the offender is sought only in
    // the first chunk that holds one.
    const CHUNK: usize = 1024;
    let values = points.as_slice();
    let (ok, largest) = match values.len() >= PARALLEL_VALUES {
        true => values
            .par_chunks(CHUNK)
            .map(scan_chunk)
            .reduce(|| (true, 0.0f64), |a, b| (a.0 & b.0, a.1.max(b.1))),
        false => values
            .chunks(CHUNK)
            .map(scan_chunk)
            .fold((true, 0.0f64), |a, b| (a.0 & b.0, a.1.max(b.1))),
    };
    if ok {
        return Ok(Extent { largest });
    }
    // NaN fails every comparison, so it is caught by `is_finite`.
    let bad = |v: f64| !v.is_finite() || v.abs() > MAX_ABS_COORDINATE;
    let i = values.iter().position(|&v| bad(v)).expect("an offender");
    let d = points.d();
    let value = values[i];
    let (row, col) = (i / d, i % d);
    if value.is_finite() {
        Err(FitError::TooLarge {
            row,
            col,
            value,
            limit: MAX_ABS_COORDINATE,
        })
    } else {
        Err(FitError::NonFinite { row, col, value })
    }
}

/// Whether every value of `chunk` is within ±[`MAX_ABS_COORDINATE`] (NaN is not), and
/// the largest absolute value among them, in eight running maxima side by side.
fn scan_chunk(chunk: &[f64]) -> (bool, f64) {
    let ok = chunk
        .iter()
        .fold(true, |ok, &v| ok & (v.abs() <= MAX_ABS_COORDINATE));
    let mut most = [0.0f64; 8];
    let eights = chunk.chunks_exact(8);
    let tail = eights
        .remainder()
        .iter()
        .fold(0.0f64, |m, v| m.max(v.abs()));
    for eight in eights {
        for (m, v) in most.iter_mut().zip(eight) {
            let a = v.abs();
            *m = if a > *m { a } else { *m };
        }
    }
    (ok, most.into_iter().fold(tail, f64::max))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pts(data: &[f64], d: usize) -> Points<'_> {
        Points::new(data, d).unwrap()
    }

    fn check(params: FitParams, points: Points<'_>) -> Result<(), FitError> {
        params.check(points).map(|_| ())
    }

    #[test]
    fn rejects_bad_parameters_with_typed_errors() {
        let data = [0.0, 1.0, 2.0, 3.0];
        let p = pts(&data, 2);
        assert_eq!(check(FitParams::new(0), p), Err(FitError::KZero));
        assert_eq!(
            check(FitParams::new(3), p),
            Err(FitError::KTooLarge { k: 3, n: 2 })
        );
        assert_eq!(
            check(FitParams::new(1).max_iter(0), p),
            Err(FitError::MaxIterZero)
        );
        assert_eq!(
            check(FitParams::new(1), pts(&[], 2)),
            Err(FitError::NoPoints)
        );
        assert_eq!(check(FitParams::new(2), p), Ok(()));
        let given = FitParams::new(2).initial_centers(vec![0.0, 1.0, 2.0]);
        assert_eq!(
            check(given, p),
            Err(FitError::DimensionMismatch { k: 2, d: 2, got: 3 })
        );
        let nan = FitParams::new(1).initial_centers(vec![0.0, f64::NAN]);
        assert!(matches!(check(nan, p), Err(FitError::BadInitialCenter(_))));
    }

    #[test]
    fn names_the_first_non_finite_or_huge_value() {
        let data = [0.0, 1.0, 2.0, f64::NAN, f64::INFINITY, 0.0];
        match check(FitParams::new(1), pts(&data, 2)) {
            Err(FitError::NonFinite { row: 1, col: 1, .. }) => {}
            other => panic!("{other:?}"),
        }
        let data = [0.0, -1e200];
        match check(FitParams::new(1), pts(&data, 1)) {
            Err(FitError::TooLarge { row: 1, col: 0, .. }) => {}
            other => panic!("{other:?}"),
        }
        // Offenders past the first chunks, and two in one chunk: the first is named.
        for (at, value) in [(1023, f64::NAN), (1024, -f64::INFINITY), (4999, 1e300)] {
            let mut data = vec![0.5; 5000];
            data[at] = value;
            if let Some(later) = data.get_mut(at + 7) {
                *later = f64::NAN;
            }
            let (row, col) = (at / 5, at % 5);
            match check_values(pts(&data, 5)) {
                Err(FitError::NonFinite { row: r, col: c, .. })
                    if value.is_nan() || value.is_infinite() =>
                {
                    assert_eq!((r, c), (row, col))
                }
                Err(FitError::TooLarge { row: r, col: c, .. }) => assert_eq!((r, c), (row, col)),
                other => panic!("{at}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_check_finds_the_extent_and_names_offenders_on_threads_too() {
        for n in [7, PARALLEL_VALUES / 3 + 11] {
            let mut data: Vec<f64> = (0..3 * n)
                .map(|i| ((i % 101) as f64 - 50.0) * 0.5)
                .collect();
            data[3 * n - 2] = -30.25;
            let extent = check_values(pts(&data, 3)).unwrap();
            assert_eq!(extent.largest(), 30.25);
            let bound = extent.norm_bound(3);
            assert!(
                pts(&data, 3)
                    .rows()
                    .all(|p| crate::sq_dist(p, &[0.0; 3]).sqrt() <= bound)
            );
            // The first of two offenders is named, wherever the threads split the values.
            data[3 * n - 5] = f64::NAN;
            data[3 * n - 1] = 1e200;
            match check_values(pts(&data, 3)) {
                Err(FitError::NonFinite { row, col: 1, .. }) => assert_eq!(row, n - 2),
                other => panic!("{n}: {other:?}"),
            }
        }
    }

    /// A source that hands out its rows only through `read_rows`, as a file would.
    struct Streamed(Vec<f64>, usize);

    impl PointSource for Streamed {
        type Error = FitError;
        fn n(&self) -> usize {
            self.0.len() / self.1
        }
        fn d(&self) -> usize {
            self.1
        }
        fn read_rows(&self, start: usize, out: &mut [f64]) -> Result<(), FitError> {
            out.copy_from_slice(&self.0[start * self.1..start * self.1 + out.len()]);
            Ok(())
        }
    }

    #[test]
    fn a_streamed_source_is_checked_and_started_as_the_same_points_in_memory() {
        let mut data: Vec<f64> = (0..300_000).map(|i| (i % 977) as f64).collect();
        let source = Streamed(data.clone(), 3);
        for init in crate::Init::ALL {
            let params = FitParams::new(5).init(init).seed(4);
            let plan = params.check_source(&source).unwrap();
            let in_memory = params.check(pts(&data, 3)).unwrap();
            assert_eq!(&plan, in_memory.plan(), "{init}");
        }
        // A bad value past the first block is named by its row in the whole input.
        data[3 * 70_000 + 2] = f64::NAN;
        let err = FitParams::new(5)
            .check_source(&Streamed(data, 3))
            .unwrap_err();
        assert!(
            matches!(
                err,
                FitError::NonFinite {
                    row: 70_000,
                    col: 2,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn points_view_rejects_ragged_and_featureless_input() {
        assert_eq!(
            Points::new(&[1.0, 2.0, 3.0], 2).unwrap_err(),
            FitError::Ragged { len: 3, d: 2 }
        );
        assert_eq!(Points::new(&[1.0], 0).unwrap_err(), FitError::NoFeatures);
    }
}
