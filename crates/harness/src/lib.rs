//! The harness: everything that runs the ladder's stages for people.
//!
//! - [`stages`]: the registry of every rung; the CLI, the benchmarks and the reports
//!   find stages here and nowhere else, so a new rung is one line in it.
//! - [`check`]: does a stage do the same work as the reference (labels, iterations)?
//! - [`run`]: fits with wall-clock timing (warm-up, repeats); [`record`]: their JSON
//!   record and one-paragraph summary; [`stats`]: the medians and percentiles.
//! - [`workloads`]: the seed workload and the scaling grid, defined once.
//! - [`ladder`]: the seed ladder measured into a [`report::Report`], which
//!   [`report`]'s exporters render (markdown, JSON, charts, HTML); [`profile`]: the
//!   flamegraphs and [`line_profile`] the line profiles; [`memory`]: the heap a fit
//!   takes; [`python`]: the seed's Python ladder beside ours, in the same run.
//! - [`scaling`]: every stage over n, d and k, the winner map and the exponents.
//! - [`history`]: every run's medians, appended to `history.jsonl`; [`compare`]: two
//!   runs side by side (`ladder compare`).
//! - [`grid`] and [`overhead`]: the `parallel` stage on the scaling grid, and the
//!   distributed engine's cost beside it; [`loopback`]: clusters of processes on this
//!   machine; [`table`]: markdown tables. [`kernels`]: `parallel`'s kernels alone, one
//!   cached block at a time, for the `kernels` bench.
//! - [`cli`]: the `ladder` command line. The binary (`src/bin/ladder.rs`) only parses
//!   arguments and calls these.

#![warn(missing_docs)]

pub mod check;
pub mod cli;
pub mod compare;
pub mod grid;
pub mod history;
pub mod kernels;
pub mod ladder;
pub mod line_profile;
pub mod loopback;
pub mod memory;
pub mod overhead;
pub mod profile;
pub mod python;
pub mod record;
pub mod report;
pub mod run;
pub mod scaling;
pub mod stages;
pub mod stats;
pub mod table;
pub mod workloads;
