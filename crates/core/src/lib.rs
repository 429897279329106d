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
//!   chosen here, once, for every stage, so all stages start from the same centers.
//! - **result** ([`Fit`]): labels, centers (after the last update), iterations,
//!   converged, inertia (the sum of squared distances of each point to the center it was
//!   assigned to in the last pass), the seconds spent in assignment and in update (the
//!   seed's line-profile split), and each pass's seconds ([`Fit::pass_seconds`]).
//!
//! Parameters and points are validated once, up front ([`FitParams::check`]), with typed
//! errors ([`FitError`]); after that no stage can fail or panic.
//!
//! # How a rung plugs in
//!
//! A rung implements [`Steps`] — its own assignment and update — and its [`Stage::fit`]
//! hands them to the shared driver [`fit_with`], which validates, initialises, loops,
//! times the two steps, applies the stop rule and computes the inertia. A rung that must
//! own its loop (a dataflow engine, for instance) implements [`Stage::fit`] itself and
//! reuses [`FitParams::check`], [`init::initial_centers`] and [`Fit`].

mod driver;
mod error;
pub mod init;
mod params;
mod points;
mod stage;

pub use driver::{
    Fit, Steps, assign_nearest, fit_with, inertia, lloyd, nearest, sq_dist, update_means,
};
pub use error::FitError;
pub use params::{FitParams, Init, MAX_ABS_COORDINATE, check_values};
pub use points::{Matrix, Points};
pub use stage::Stage;
