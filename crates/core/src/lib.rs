//! The core of kmeans-ladder: one trait every rung implements, and the one contract
//! every rung obeys.
//!
//! # The contract of a fit
//!
//! Every [`Stage`] computes exactly the same thing, Lloyd's k-means as the seed documents
//! write it in pure Python:
//!
//! - **points**: `n × d`, `f64`, row-major ([`Points`]); **centers**: `k × d`, row-major;
//!   **labels**: one per point, in `0..k`.
//! - **assignment**: each point goes to the center with the smallest squared Euclidean
//!   distance, summed over the dimensions in order (`((x0-c0)² + (x1-c1)²) + …`); when two
//!   centers are equally near, the **lowest center index wins** (Python's
//!   `distances.index(min(distances))`).
//! - **update**: each center becomes the mean of the points assigned to it (their sum in
//!   point order, divided by the count); a cluster that lost all its points **keeps its
//!   previous center**.
//! - **stop**: the fit has converged when an update leaves every center unchanged
//!   (compared with `==`, coordinate by coordinate, exactly as the seed's
//!   `centers == old_centers`; inputs are finite, so the only bit patterns `==` equates
//!   are `0.0` and `-0.0`). Otherwise it stops after `max_iter` assignment passes.
//!   [`Fit::iterations`] counts assignment passes, the last one included: the seed run
//!   takes 54.
//! - **init** ([`Init`]): `last-k` (the seed's `points[-k:]`, the default), `first-k`,
//!   `random` (k distinct rows, seeded) and `kmeans++` (seeded). Initial centers are
//!   chosen here, once, for every stage and engine, so all stages start from the same
//!   centers.
//! - **result** ([`Fit`]): labels, centers (after the last update), iterations,
//!   converged, inertia (the sum of squared distances of each point to the center it was
//!   assigned to in the last pass), the seconds spent in assignment and in update (the
//!   seed's line-profile split), and each pass's seconds ([`Fit::pass_seconds`]).
//!
//! Parameters and points are checked once, up front, by type: [`FitParams::check`]
//! returns a [`Checked`] fit (the points, the parameters and the initial centers, all
//! valid) or a typed [`FitError`]; every stage takes a `Checked`, so none can run on
//! unchecked input, and after the check an in-memory stage cannot fail or panic.
//!
//! # How a rung plugs in
//!
//! A rung implements [`Steps`] — its own assignment and update — and its
//! [`Stage::fit_checked`] hands them to the shared loop [`lloyd`], which initialises,
//! loops, times the two steps, applies the stop rule and computes the inertia. An engine
//! that runs its passes elsewhere (a dataflow) drives the same pass-by-pass state,
//! [`Lloyd`], from outside; one that streams its points from a file checks them with
//! [`FitParams::check_source`]. The contract's arithmetic — the distance, the nearest
//! center, the division of sums by counts — is written once, here ([`sq_dist`],
//! [`nearest`], [`divide_sums`], [`update_from_partials`]), and so is the dispatch that
//! makes the dimension a constant ([`with_dims!`]). What a rung says about its run is
//! its own typed struct ([`Facts`]), carried in [`Fit::details`].
//!
//! # A fit
//!
//! The plainest rung there can be — the contract's own scan and update — fitted on
//! two obvious clusters:
//!
//! ```
//! use ladder_core::{Checked, Fit, FitParams, Points, Stage, StageError, Steps};
//! use ladder_core::{assign_nearest, lloyd, update_means};
//!
//! struct Plain<'a>(Points<'a>);
//!
//! impl Steps for Plain<'_> {
//!     fn assign(&mut self, centers: &[f64], labels: &mut [u32]) {
//!         assign_nearest(self.0, centers, labels);
//!     }
//!     fn update(&mut self, labels: &[u32], centers: &mut [f64]) {
//!         update_means(self.0, labels, centers);
//!     }
//! }
//!
//! struct PlainStage;
//!
//! impl Stage for PlainStage {
//!     fn name(&self) -> &'static str { "plain" }
//!     fn summary(&self) -> &'static str { "the contract, as plain loops" }
//!     fn fit_checked(&self, checked: &Checked<'_>) -> Result<Fit, StageError> {
//!         Ok(lloyd(checked, &mut Plain(checked.points())))
//!     }
//! }
//!
//! let data = [0.0, 1.0, 2.0, 10.0, 11.0];
//! let points = Points::new(&data, 1)?;
//! let fit = PlainStage.fit(points, &FitParams::new(2))?;
//! assert_eq!(fit.labels, [0, 0, 0, 1, 1]);
//! assert_eq!(fit.centers, [1.0, 10.5]);
//! assert_eq!(fit.iterations, 3);
//! assert!(fit.converged);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod check;
mod contract;
mod dims;
mod error;
mod facts;
mod fit;
mod init;
mod lloyd;
mod observe;
mod params;
mod points;
mod stage;

pub use check::{Checked, Extent, MAX_ABS_COORDINATE, Plan, PointSource, check_values};
pub use contract::{
    Partial, add_partials, assign_nearest, divide_sums, inertia, nearest, sq_dist,
    update_from_partials, update_means,
};
pub use dims::MAX_CONST_DIMS;
pub use error::{FitError, StageError};
pub use facts::{Details, Facts};
pub use fit::{Evaluations, Fit};
pub use init::{kmeans_plus_plus_rows, random_rows};
pub use lloyd::{Lloyd, Steps, lloyd};
pub use observe::{AlreadyObserved, PassDone, observe_passes};
pub use params::{FitParams, Init, UnknownInit};
pub use points::{Matrix, Points};
pub use stage::Stage;
