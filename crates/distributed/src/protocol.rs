//! The messages of the dataflow: worker 0's commands to every worker, and the workers'
//! replies to worker 0 (worker 0 keeps its own).

use std::fmt;

use serde::{Deserialize, Serialize};

/// The shape of the work: a process started with other data or chunking refuses to
/// compute instead of computing the wrong chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shape {
    /// Points.
    pub n: usize,
    /// Features per point.
    pub d: usize,
    /// Rows per chunk.
    pub chunk_rows: usize,
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({}, {}, {})", self.n, self.d, self.chunk_rows)
    }
}

/// What worker 0 broadcasts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum Command {
    /// Label your chunks against these centers and send their partial sums.
    Assign {
        /// `k × d`, row-major.
        centers: Vec<f64>,
        /// Worker 0's shape of the work.
        shape: Shape,
        /// The chunks each worker labels in this pass (see `Balance`), in chunk order.
        chunks: Vec<Vec<usize>>,
    },
    /// Send your chunks' labels; the fit is over. With `more`, another fit of the same
    /// points follows (see `Distributed::fit_repeatedly`).
    Finish {
        /// Whether another fit follows.
        more: bool,
    },
}

/// A worker's chunks of one pass, in chunk order, with each chunk's sums and counts per
/// cluster (`k × d` and `k` values a chunk, added in point order), and the worker's time
/// on them, for the balance.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Partials {
    pub(crate) worker: usize,
    pub(crate) seconds: f64,
    pub(crate) chunks: Vec<usize>,
    pub(crate) sums: Vec<f64>,
    pub(crate) counts: Vec<u32>,
}

/// A chunk's labels from the last pass, and its points' squared distances to the
/// centers of that pass, summed in point order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ChunkLabels {
    pub(crate) chunk: usize,
    pub(crate) labels: Vec<u32>,
    pub(crate) inertia: f64,
}

/// What workers send to worker 0.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum Reply {
    /// The partial sums of a pass.
    Partials(Partials),
    /// A chunk's labels, as the fit ends.
    Labels(ChunkLabels),
    /// The worker has set up its chunks.
    Ready,
    /// The worker cannot go on.
    Failed(WorkerFailure),
}

/// Why a worker could not do its share; it travels to worker 0, so it is data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum WorkerFailure {
    /// The worker's process was started with other data or chunking than worker 0's.
    #[error(
        "worker {worker} has (points, features, chunk rows) = {mine} but worker 0 has {theirs}: start every process with the same --input and --chunk-rows"
    )]
    ShapeMismatch {
        /// The worker.
        worker: usize,
        /// Its shape.
        mine: Shape,
        /// Worker 0's.
        theirs: Shape,
    },
    /// The worker's split of the chunks has another number of workers than the cluster.
    #[error("worker {worker} was sent a split for {got} workers, but the cluster has {peers}")]
    SplitMismatch {
        /// The worker.
        worker: usize,
        /// Workers in the split.
        got: usize,
        /// Workers in the cluster.
        peers: usize,
    },
    /// The worker could not read its points; the message is the reader's (an I/O error
    /// of another process cannot travel with its source).
    #[error("worker {worker} cannot read the points: {reason}")]
    Read {
        /// The worker.
        worker: usize,
        /// What the reader said.
        reason: String,
    },
}
