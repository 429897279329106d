//! # Rung five: `distributed` — chunks reduced across workers and processes, on timely
//!
//! **What it adds.** The seed's Dask rung splits the points into chunks, computes per
//! chunk and reduces, with the promise that the same code runs out of core and across
//! machines. This rung keeps that promise on an existing distributed engine,
//! [timely dataflow](https://docs.rs/timely):
//!
//! - the points are cut into fixed chunks of [`Distributed::chunk_rows`] rows (Dask's
//!   `chunks=`); chunk `c` is worker `c mod W`'s among all `W` workers of all processes
//!   (laid out for the kernel once, for a memory source), but between passes worker 0
//!   splits the chunks so that all replies reach it at the same time: a worker on a busy
//!   core hands chunks to faster ones, as work stealing would, and worker 0 keeps enough
//!   extra chunks to cover the trip the other processes' messages make, so that it
//!   computes instead of waiting for them;
//! - each iteration worker 0 broadcasts the centers; every worker labels its chunks with
//!   the `parallel` rung's SIMD kernel and sends worker 0 one message: each chunk's sums
//!   and counts per cluster (in point order); worker 0 adds the chunks' partials **in
//!   chunk order** — so the centers are bit-identical whatever the number of workers,
//!   threads or processes — applies the contract's stop rule, and broadcasts the next
//!   centers or the order to finish;
//! - in the finishing round every worker sends its chunks' labels to worker 0, which
//!   assembles the fit. Only worker 0 (process 0) returns it.
//!
//! The dataflow only carries these messages; the work is done by each worker between
//! its steps of the dataflow. A step ends by handing what it produced to the network,
//! so the centers are on their way to the other processes before any worker (worker 0
//! included) starts on its chunks. Worker 0 keeps its own partials (they never enter
//! the dataflow) and goes on as soon as it holds every worker's; no round waits on
//! timely's frontier, so the rounds send no progress updates. The first pass starts
//! once every worker has set up its chunks.
//!
//! Workers are threads of one process (`--workers N`), or processes on several hosts
//! described by a hostfile (`--hosts FILE --process I`); several processes on one
//! machine are best bound to a set of CPUs each (`--cpus`, see [`bind_to`]), which the
//! launcher (`ladder cluster`) does. A cluster can run several fits once connected
//! ([`Distributed::fit_repeatedly`]). Given a `.npy` file ([`Source::File`]), every
//! worker memory-maps it and reads only its own chunks, one at a time, at every pass:
//! the operating system pages the file in and out as memory allows, and the process
//! holds a chunk per worker plus the labels, whatever the size of the data — out of
//! core. (Where the data in the file is not 8-byte aligned, the
//! chunks are read into a buffer instead.)
//!
//! **What it costs.** A message round per iteration (centers out, `k × d` partial sums
//! per chunk back), and with a file, reading the data again at every pass (the page
//! cache usually serves it). A fit is bounded in time (`timeout`): a peer that never
//! connects, or dies, ends the fit with an error instead of a hang.
//!
//! **Where it wins.** When the data does not fit one machine's memory or cores. On one
//! machine it is the `parallel` rung plus the engine's overhead, which the benchmarks
//! report.
//!
//! **How the code is laid out.** [`Distributed`], [`Cluster`] and [`Source`] say what
//! runs where (`config.rs`); `engine.rs` starts timely and waits for the result within
//! the timeout; every worker runs `worker.rs` over its end of the dataflow (`wire.rs`)
//! and its chunks (`chunks.rs`); worker 0 also runs `coordinator.rs`, which drives the
//! same pass-by-pass Lloyd state as every other rung and splits the chunks between passes
//! (`balance.rs`); the messages are in `protocol.rs`.
//!
//! ```
//! use ladder_core::{FitParams, Points, Stage};
//! use ladder_distributed::{Distributed, DistributedFacts};
//!
//! let data: Vec<f64> = (0..3000).map(|i| (i % 97) as f64).collect();
//! let stage = Distributed { chunk_rows: 500, ..Distributed::local(2) };
//! let fit = stage.fit(Points::new(&data, 3)?, &FitParams::new(4))?;
//! assert!(fit.converged);
//! let facts = fit.details.get::<DistributedFacts>().expect("the rung's facts");
//! assert_eq!((facts.processes, facts.workers_per_process, facts.chunks), (1, 2, 2));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod balance;
mod chunks;
mod config;
mod coordinator;
mod cpus;
mod engine;
mod error;
mod hostfile;
mod job;
mod protocol;
mod settings;
mod wire;
mod worker;

use std::sync::Arc;

use ladder_core::{Checked, Fit, Stage, StageError};

pub use balance::BalanceFacts;
pub use config::{Cluster, Distributed, Prepared, Source};
pub use coordinator::{DistributedFacts, SourceKind};
pub use cpus::{BadCpuList, CpuError, CpuList, allowed_cpus, bind_to};
pub use error::DistributedError;
pub use hostfile::{HostfileError, read_hostfile};
pub use job::BeforeEach;
pub use protocol::{Shape, WorkerFailure};
pub use settings::{Settings, SettingsError};

impl Stage for Distributed {
    fn name(&self) -> &'static str {
        "distributed"
    }

    fn summary(&self) -> &'static str {
        "chunks on timely dataflow workers (threads or processes), partials reduced in chunk order; out of core from .npy"
    }

    fn fit_checked(&self, checked: &Checked<'_>) -> Result<Fit, StageError> {
        let points = checked.points();
        let prepared = Prepared {
            source: Source::Memory {
                data: Arc::new(points.as_slice().to_vec()),
                d: points.d(),
            },
            plan: checked.plan().clone(),
        };
        let engine = |e: DistributedError| StageError::Engine {
            stage: "distributed",
            source: Box::new(e),
        };
        match self.fit_prepared(&prepared) {
            Ok(Some(fit)) => Ok(fit),
            Ok(None) => Err(engine(DistributedError::NoResult)),
            Err(DistributedError::Fit(e)) => Err(StageError::Input(e)),
            Err(e) => Err(engine(e)),
        }
    }
}
