//! What every worker of a fit is given, shared by the worker threads of a process.

use std::ops::Range;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ladder_core::Plan;

use crate::Source;
use crate::protocol::Shape;

/// What [`crate::Distributed::fit_repeatedly`] runs on worker 0 before each fit, with
/// the fit's number (from 0).
pub type BeforeEach = Arc<dyn Fn(usize) + Send + Sync>;

/// Everything a worker needs.
pub(crate) struct Job {
    pub(crate) source: Source,
    /// The parameters, checked, and the initial centers.
    pub(crate) plan: Plan,
    pub(crate) chunk_rows: usize,
    pub(crate) timeout: Duration,
    pub(crate) deadline: Instant,
    /// How many processes the cluster has. Waiting workers may spin only when all are
    /// threads of one process (see `wire.rs`).
    pub(crate) processes: usize,
    /// How many fits the cluster runs, one after the other.
    pub(crate) fits: usize,
    /// Run by worker 0 before each fit.
    pub(crate) before_each: Option<BeforeEach>,
}

impl Job {
    /// The shape of the work, which every process must agree on.
    pub(crate) fn shape(&self) -> Shape {
        Shape {
            n: self.source.n(),
            d: self.source.d(),
            chunk_rows: self.chunk_rows,
        }
    }

    /// How many chunks the points are cut into.
    pub(crate) fn chunks(&self) -> usize {
        self.source.n().div_ceil(self.chunk_rows)
    }

    /// The rows of chunk `chunk`.
    pub(crate) fn rows_of(&self, chunk: usize) -> Range<usize> {
        let start = chunk * self.chunk_rows;
        start..(start + self.chunk_rows).min(self.source.n())
    }
}

/// Worker `worker`'s own chunks among `workers`: `c mod workers == worker`.
pub(crate) fn home_chunks(chunks: usize, workers: usize, worker: usize) -> Vec<usize> {
    (worker..chunks).step_by(workers).collect()
}
