//! Why a distributed fit failed, typed: the input, the cluster's configuration, the
//! engine, or a worker.

use std::time::Duration;

use ladder_blobs::io::IoError;
use ladder_core::FitError;

use crate::{CpuError, HostfileError, SettingsError, WorkerFailure};

/// Why a distributed fit failed.
#[derive(Debug, thiserror::Error)]
pub enum DistributedError {
    /// The points or parameters are not valid.
    #[error(transparent)]
    Fit(#[from] FitError),
    /// The points' file cannot be read.
    #[error(transparent)]
    Io(#[from] IoError),
    /// The hostfile cannot be used.
    #[error(transparent)]
    Hostfile(#[from] HostfileError),
    /// The threads cannot be bound to the CPUs asked for.
    #[error(transparent)]
    Cpus(#[from] CpuError),
    /// `--chunk-rows 0`.
    #[error("--chunk-rows must be at least 1")]
    ChunkRowsZero,
    /// The stage's settings are not valid.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// A process number past the hostfile's lines.
    #[error("--process {process} but the hostfile lists {hosts} hosts (0..{hosts})")]
    ProcessOutOfRange {
        /// The process asked for.
        process: usize,
        /// The hosts there are.
        hosts: usize,
    },
    /// timely could not start the cluster (its own message).
    #[error("the cluster could not start: {0}")]
    Start(String),
    /// The fit did not end within its timeout.
    #[error(
        "no result within {} s: a peer never connected, died or stalled (raise --timeout if the data is just large)",
        .0.as_secs_f64()
    )]
    Timeout(Duration),
    /// A worker could not do its share.
    #[error("a worker failed")]
    Worker(#[from] WorkerFailure),
    /// A worker thread panicked (timely's account of the panic).
    #[error("a worker failed: {0}")]
    Panicked(String),
    /// The engine stopped without a result.
    #[error("the dataflow stopped without a result: a peer died or the connection failed")]
    Disconnected,
    /// A worker's partial sums do not fit its chunks.
    #[error("a worker failed: worker {worker} sent partials of the wrong size")]
    BadPartials {
        /// The worker.
        worker: usize,
    },
    /// No worker sent a chunk's partial sums.
    #[error("a worker failed: chunk {chunk} sent no partial sums")]
    MissingPartials {
        /// The chunk.
        chunk: usize,
    },
    /// The fit ran as a process other than process 0, which alone holds the result.
    #[error("this process is not process 0 and holds no result")]
    NoResult,
}
