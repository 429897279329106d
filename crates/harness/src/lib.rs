//! The harness: everything that runs the ladder's stages for people.
//!
//! - [`stages`]: the registry of every rung; the CLI, the benchmarks and the reports
//!   find stages here and nowhere else, so a new rung is one line in [`stages::all`].
//! - [`check`]: does a stage do the same work as the reference (labels, iterations)?
//! - [`run`]: a fit with wall-clock timing (warm-up, repeats, min and median), and its
//!   JSON record and one-paragraph summary.
//!
//! - [`workloads`]: the seed workload and the scaling grid, defined once.
//!
//! The `ladder` binary (`src/bin/ladder.rs`) only parses arguments and calls these.

pub mod check;
pub mod cli;
pub mod profile;
pub mod report;
pub mod run;
pub mod stages;
pub mod workloads;
