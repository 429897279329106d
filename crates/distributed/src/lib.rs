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
//!   splits the chunks so that all replies reach it at the same time: a
//!   worker on a busy core hands chunks to faster ones, as work stealing would, and
//!   worker 0 keeps enough extra chunks to cover the trip the other processes' messages
//!   make, so that it computes instead of waiting for them;
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
//! launcher in `scripts/` does. A cluster can run several fits once connected
//! ([`Distributed::fit_repeatedly`]). Given a `.npy` file ([`Source::File`]), every
//! worker memory-maps it and reads only its own chunks, one at a time, at every pass: the operating system pages the file in and out as memory
//! allows, and the process holds a chunk per worker plus the labels, whatever the size
//! of the data — out of core. (Where the data in the file is not 8-byte aligned, the
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

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ladder_blobs::io::{NpyLayout, read_npy_rows};
use ladder_core::{Fit, FitError, FitParams, Init, Points, Stage, check_values, inertia};
use ladder_parallel::{Layout, means_from_partials};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use timely::container::CapacityContainerBuilder;
use timely::dataflow::InputHandle;
use timely::dataflow::operators::vec::Broadcast;
use timely::dataflow::operators::vec::Map as _;
use timely::dataflow::operators::{Exchange, Input, Inspect};
use timely::{CommunicationConfig, WorkerConfig};

/// Where the points come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// In memory, shared by the worker threads of this process.
    Memory { data: Arc<Vec<f64>>, d: usize },
    /// A float64 C-order `.npy` file that every worker reads its own chunks from.
    File { path: PathBuf, layout: NpyLayout },
}

impl Source {
    fn n(&self) -> usize {
        match self {
            Source::Memory { data, d } => data.len() / d,
            Source::File { layout, .. } => layout.n,
        }
    }

    fn d(&self) -> usize {
        match self {
            Source::Memory { d, .. } => *d,
            Source::File { layout, .. } => layout.d,
        }
    }
}

/// How the workers are spread: threads of this process, or processes of a cluster.
#[derive(Debug, Clone, PartialEq)]
pub enum Cluster {
    /// One process with this many worker threads.
    Local { workers: usize },
    /// Process `process` of `hosts.len()` (one `host:port` each), `workers` threads each.
    Hosts {
        hosts: Vec<String>,
        process: usize,
        workers: usize,
    },
}

/// The `distributed` stage.
#[derive(Debug, Clone, PartialEq)]
pub struct Distributed {
    pub cluster: Cluster,
    /// Rows per chunk (Dask's `chunks=`).
    pub chunk_rows: usize,
    /// Upper bound on the whole fit, connection included.
    pub timeout: Duration,
    /// The CPUs this process's workers and timely's network threads run on (`--cpus`);
    /// `None` leaves them to the scheduler. Several processes of a cluster on one
    /// machine run best with a set each, as `mpirun --bind-to core` gives them: see
    /// [`bind_to`].
    pub cpus: Option<Vec<usize>>,
}

impl Distributed {
    pub const DEFAULT_CHUNK_ROWS: usize = 16_384;
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

    /// One process with `workers` worker threads.
    pub const fn local(workers: usize) -> Self {
        Self {
            cluster: Cluster::Local { workers },
            chunk_rows: Self::DEFAULT_CHUNK_ROWS,
            timeout: Self::DEFAULT_TIMEOUT,
            cpus: None,
        }
    }
}

/// Binds the calling thread, and so every thread it starts afterwards, to `cpus`.
///
/// Why a cluster's processes on one machine want it: a message between two processes
/// passes through four threads (the sender's worker, timely's send thread, the receiver's
/// network thread, its worker), and each hand-over wakes a thread. Left to the scheduler,
/// a woken network thread may be queued behind the other process's busy worker on its
/// core (for a time slice, milliseconds) or sent to an idle core (tens of microseconds
/// to wake it on a virtual machine). Bound, each process's threads share its own cores:
/// a hand-over within a process is a switch on the same core, and only the trip between
/// processes crosses cores.
#[cfg(target_os = "linux")]
pub fn bind_to(cpus: &[usize]) -> Result<(), String> {
    use nix::sched::{CpuSet, sched_setaffinity};
    use nix::unistd::Pid;
    let this_thread = Pid::from_raw(0);
    let allowed = allowed_cpus();
    if cpus.is_empty() {
        return Err("--cpus needs at least one CPU".into());
    }
    let mut set = CpuSet::new();
    for &cpu in cpus {
        if !allowed.contains(&cpu) {
            let list: Vec<String> = allowed.iter().map(|c| c.to_string()).collect();
            return Err(format!(
                "--cpus: this process may not run on CPU {cpu}; it may use CPUs {}",
                list.join(",")
            ));
        }
        set.set(cpu)
            .map_err(|e| format!("--cpus: CPU {cpu}: {e}"))?;
    }
    sched_setaffinity(this_thread, &set).map_err(|e| format!("--cpus: {e}"))
}

/// The CPUs this process may run on, in order: its main thread's (a thread bound by
/// [`bind_to`] may be bound again to any of them).
#[cfg(target_os = "linux")]
pub fn allowed_cpus() -> Vec<usize> {
    use nix::sched::{CpuSet, sched_getaffinity};
    match sched_getaffinity(nix::unistd::getpid()) {
        Ok(set) => (0..CpuSet::count())
            .filter(|&c| set.is_set(c).unwrap_or(false))
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// The CPUs this process may run on: unknown off Linux.
#[cfg(not(target_os = "linux"))]
pub fn allowed_cpus() -> Vec<usize> {
    Vec::new()
}

/// Binding threads to CPUs is only supported on Linux.
#[cfg(not(target_os = "linux"))]
pub fn bind_to(_cpus: &[usize]) -> Result<(), String> {
    Err("--cpus is supported on Linux only".into())
}

/// Why a distributed fit failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DistributedError {
    #[error(transparent)]
    Fit(#[from] FitError),
    #[error("{0}")]
    Input(String),
    #[error("the cluster could not start: {0}")]
    Start(String),
    #[error(
        "no result within {} s: a peer never connected, died or stalled (raise --timeout if the data is just large)",
        .0.as_secs_f64()
    )]
    Timeout(Duration),
    #[error("a worker failed: {0}")]
    Worker(String),
}

impl Stage for Distributed {
    fn name(&self) -> &'static str {
        "distributed"
    }

    fn summary(&self) -> &'static str {
        "chunks on timely dataflow workers (threads or processes), partials reduced in chunk order; out of core from .npy"
    }

    fn fit(&self, points: Points<'_>, params: &FitParams) -> Result<Fit, FitError> {
        let source = Source::Memory {
            data: Arc::new(points.as_slice().to_vec()),
            d: points.d(),
        };
        match self.fit_source(source, params) {
            Ok(Some(fit)) => Ok(fit),
            Ok(None) => Err(FitError::Stage {
                stage: "distributed",
                message: "this process is not process 0 and holds no result".into(),
            }),
            Err(DistributedError::Fit(e)) => Err(e),
            Err(e) => Err(FitError::Stage {
                stage: "distributed",
                message: e.to_string(),
            }),
        }
    }
}

/// What worker 0 broadcasts.
#[derive(Debug, Clone, Serialize, Deserialize)]
enum Command {
    /// Label your chunks against these centers and send their partial sums. `shape` is
    /// worker 0's `(n, d, chunk_rows)`: a process started with other data or chunking
    /// refuses instead of computing the wrong chunks.
    Assign {
        centers: Vec<f64>,
        shape: (usize, usize, usize),
        /// The chunks each worker labels in this pass (see [`Balance`]).
        chunks: Vec<Vec<usize>>,
    },
    /// Send your chunks' labels; the fit is over. With `more`, another fit of the same
    /// points follows (see [`Distributed::fit_repeatedly`]).
    Finish { more: bool },
}

/// What workers send to worker 0 (worker 0 keeps its own).
#[derive(Debug, Clone, Serialize, Deserialize)]
enum Reply {
    /// A worker's chunks of this pass, in chunk order, with each chunk's sums and counts
    /// per cluster (`k × d` and `k` values a chunk, added in point order), and the
    /// worker's time on them, for [`Balance`].
    Partials {
        worker: usize,
        seconds: f64,
        chunks: Vec<usize>,
        sums: Vec<f64>,
        counts: Vec<u32>,
    },
    /// The chunk's labels from the last pass, and its points' squared distances to the
    /// centers of that pass, summed in point order.
    Labels {
        chunk: usize,
        labels: Vec<u32>,
        inertia: f64,
    },
    /// The worker has set up its chunks.
    Ready,
    Failed(String),
}

/// Everything a worker needs, shared by the worker threads of a process.
struct Job {
    source: Source,
    params: FitParams,
    initial_centers: Vec<f64>,
    chunk_rows: usize,
    timeout: Duration,
    deadline: Instant,
    /// How many processes the cluster has. Waiting workers may spin (see [`SPIN`])
    /// only when all are threads of one process.
    processes: usize,
    /// How many fits the cluster runs, one after the other.
    fits: usize,
    /// Run by worker 0 before each fit.
    before_each: Option<BeforeEach>,
}

/// What [`Distributed::fit_repeatedly`] runs on worker 0 before each fit, with the
/// fit's number (from 0).
pub type BeforeEach = Arc<dyn Fn(usize) + Send + Sync>;

/// Points and parameters checked against each other, with the initial centers chosen:
/// ready to fit any number of times without reading a file source again to check it.
#[derive(Debug, Clone)]
pub struct Prepared {
    source: Source,
    params: FitParams,
    initial_centers: Vec<f64>,
}

impl Prepared {
    /// Checks `params` against the points of `source` (a file is read chunk by chunk)
    /// and chooses the initial centers.
    pub fn new(source: Source, params: &FitParams) -> Result<Self, DistributedError> {
        let initial_centers = validate_and_init(&source, params)?;
        Ok(Self {
            source,
            params: params.clone(),
            initial_centers,
        })
    }

    /// The `k × d` centers the fit starts from.
    pub fn initial_centers(&self) -> &[f64] {
        &self.initial_centers
    }
}

impl Distributed {
    /// Fits the points of `source`. In a cluster every process calls this; process 0
    /// gets `Some(fit)`, the others `None`.
    pub fn fit_source(
        &self,
        source: Source,
        params: &FitParams,
    ) -> Result<Option<Fit>, DistributedError> {
        self.fit_prepared(&Prepared::new(source, params)?)
    }

    /// [`Distributed::fit_source`] for points and parameters already checked.
    pub fn fit_prepared(&self, prepared: &Prepared) -> Result<Option<Fit>, DistributedError> {
        Ok(self.fit_repeatedly(prepared, 1, None)?.pop())
    }

    /// Fits the same points `fits` times over in one cluster, which connects and sets up
    /// its chunks once; each fit is otherwise the fit [`Distributed::fit_prepared`]
    /// makes, from the same initial centers. Worker 0 runs `before_each` before each fit,
    /// while every other worker waits for the fit's first command: a benchmark times
    /// another engine there, on the same machine a moment before. (It runs on a thread
    /// bound to [`Distributed::cpus`], if they are set, as are the threads it starts.)
    /// Process 0 gets every fit; other processes get none, and need not know `fits` (nor
    /// pass a `before_each`): they serve fits until worker 0 says the last is over.
    /// `timeout` bounds the whole run.
    pub fn fit_repeatedly(
        &self,
        prepared: &Prepared,
        fits: usize,
        before_each: Option<BeforeEach>,
    ) -> Result<Vec<Fit>, DistributedError> {
        let start = Instant::now();
        let source = prepared.source.clone();
        let (n, d) = (source.n(), source.d());
        if self.chunk_rows == 0 {
            return Err(DistributedError::Input(
                "--chunk-rows must be at least 1".into(),
            ));
        }
        let (communication, processes, workers) = match &self.cluster {
            Cluster::Local { workers } => (
                CommunicationConfig::Process((*workers).max(1)),
                1,
                (*workers).max(1),
            ),
            Cluster::Hosts {
                hosts,
                process,
                workers,
            } => {
                if *process >= hosts.len() {
                    return Err(DistributedError::Input(format!(
                        "--process {process} but the hostfile lists {} hosts (0..{})",
                        hosts.len(),
                        hosts.len()
                    )));
                }
                let config = CommunicationConfig::Cluster {
                    threads: (*workers).max(1),
                    process: *process,
                    addresses: hosts.clone(),
                    report: false,
                    zerocopy: false,
                };
                (config, hosts.len(), (*workers).max(1))
            }
        };
        let job = Arc::new(Job {
            source,
            params: prepared.params.clone(),
            initial_centers: prepared.initial_centers.clone(),
            chunk_rows: self.chunk_rows,
            timeout: self.timeout,
            deadline: start + self.timeout,
            processes,
            fits: fits.max(1),
            before_each,
        });
        let config = timely::Config {
            communication,
            worker: WorkerConfig::default(),
        };
        // Timely blocks while it connects to its peers: run it on a thread and wait for
        // it no longer than the deadline.
        // Worker 0 sends its result as soon as it has it, so that a failure ends the fit
        // at once even while other workers wait on a dead peer; on success the fit still
        // waits for every worker to shut down cleanly, so that no peer loses its
        // connection mid-goodbye. A process without worker 0 reports when its workers
        // are done.
        let (early_tx, early_rx) = mpsc::channel();
        let (done_tx, done_rx) = mpsc::channel();
        let run_job = Arc::clone(&job);
        let cpus = self.cpus.clone();
        std::thread::spawn(move || {
            // Timely's threads (workers and network) start from this one, and inherit.
            if let Some(Err(e)) = cpus.as_deref().map(bind_to) {
                let _ = done_tx.send(Err(DistributedError::Input(e)));
                return;
            }
            let result = timely::execute(config, move |worker| {
                let result = run_worker(worker, &run_job);
                if worker.index() == 0 {
                    let _ = early_tx.send(result.clone());
                }
                result
            })
            .map_err(DistributedError::Start)
            .and_then(|guards| {
                let mut results = guards.join().into_iter();
                let first = results.next().unwrap_or(Ok(Ok(Vec::new())));
                for other in results {
                    match other {
                        Ok(Ok(_)) => {}
                        Ok(Err(e)) => return Err(e),
                        Err(panic) => return Err(DistributedError::Worker(panic)),
                    }
                }
                first.map_err(DistributedError::Worker)?
            });
            let _ = done_tx.send(result);
        });
        let deadline = job.deadline + Duration::from_millis(500);
        let wait = |rx: &mpsc::Receiver<Result<Vec<Fit>, DistributedError>>| match rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            Ok(result) => result,
            Err(mpsc::RecvTimeoutError::Timeout) => Err(DistributedError::Timeout(self.timeout)),
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(DistributedError::Worker(
                "the dataflow stopped without a result: a peer died or the connection failed"
                    .into(),
            )),
        };
        let hosts_worker_0 = match &self.cluster {
            Cluster::Local { .. } => true,
            Cluster::Hosts { process, .. } => *process == 0,
        };
        let mut fits = if hosts_worker_0 {
            let remaining = deadline.saturating_duration_since(Instant::now());
            match early_rx.recv_timeout(remaining) {
                Ok(Ok(fits)) => {
                    // The result is in hand; give the shutdown until the deadline.
                    let _ = wait(&done_rx);
                    fits
                }
                Ok(Err(e)) => return Err(e),
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    return Err(DistributedError::Timeout(self.timeout));
                }
                // Worker 0 never ran: the joined result says why (a failed start).
                Err(mpsc::RecvTimeoutError::Disconnected) => wait(&done_rx)?,
            }
        } else {
            wait(&done_rx)?
        };
        for fit in &mut fits {
            let chunks = n.div_ceil(self.chunk_rows);
            fit.details.insert("processes".into(), processes.into());
            fit.details
                .insert("workers_per_process".into(), workers.into());
            fit.details
                .insert("chunk_rows".into(), self.chunk_rows.into());
            fit.details.insert("chunks".into(), chunks.into());
            let source = match &job.source {
                Source::Memory { .. } => "memory",
                Source::File { .. } => "file, streamed chunk by chunk every pass",
            };
            fit.details.insert("source".into(), source.into());
            debug_assert_eq!(fit.d, d);
        }
        Ok(fits)
    }
}

/// The contract's checks and initial centers, reading a file source chunk by chunk.
fn validate_and_init(source: &Source, params: &FitParams) -> Result<Vec<f64>, DistributedError> {
    match source {
        Source::Memory { data, d } => {
            let points = Points::new(data, *d)?;
            params.check(points)?;
            Ok(ladder_core::init::initial_centers(points, params))
        }
        Source::File { path, layout } => {
            let (n, d) = (layout.n, layout.d);
            // The parameters against the shape first, with the contract's own errors.
            params.check_shape(n, d)?;
            let file = File::open(path)
                .map_err(|e| DistributedError::Input(format!("{}: {e}", path.display())))?;
            let read = |start: usize, rows: usize| -> Result<Vec<f64>, DistributedError> {
                let mut buf = vec![0.0; rows * d];
                read_npy_rows(&file, path, layout, start, &mut buf)
                    .map_err(|e| DistributedError::Input(e.to_string()))?;
                Ok(buf)
            };
            // Then every value, a block of rows at a time, numbered as in the file.
            let block = 65_536;
            for start in (0..n).step_by(block) {
                let buf = read(start, block.min(n - start))?;
                check_values(Points::new(&buf, d)?).map_err(|e| match e {
                    FitError::NonFinite { row, col, value } => FitError::NonFinite {
                        row: row + start,
                        col,
                        value,
                    },
                    FitError::TooLarge {
                        row,
                        col,
                        value,
                        limit,
                    } => FitError::TooLarge {
                        row: row + start,
                        col,
                        value,
                        limit,
                    },
                    other => other,
                })?;
            }
            if let Some(given) = &params.initial_centers {
                return Ok(given.clone());
            }
            let rows: Vec<usize> = match params.init {
                Init::LastK => (n - params.k..n).collect(),
                Init::FirstK => (0..params.k).collect(),
                Init::Random => ladder_core::init::random_rows(n, params.k, params.seed),
                // D² sampling looks at every point for every center: it reads the whole
                // file into memory once, the one step that is not out of core.
                Init::KMeansPlusPlus => {
                    let all = read(0, n)?;
                    let points = Points::new(&all, d)?;
                    ladder_core::init::kmeans_plus_plus_rows(points, params.k, params.seed)
                }
            };
            let mut centers = Vec::with_capacity(params.k * d);
            for r in rows {
                centers.extend(read(r, 1)?);
            }
            Ok(centers)
        }
    }
}

/// One worker's chunks: the ones it labels this pass, their rows (held for a memory
/// source, read per pass for a file) and their labels.
struct Chunks {
    /// The chunks this worker labels in the current pass.
    ids: Vec<usize>,
    /// Per chunk, for a memory source: laid out for the kernel, for this worker's own
    /// chunks (`c mod W`); others pass through `stream`.
    layouts: Vec<Option<Layout>>,
    /// Per chunk: its labels, for the chunks this worker labelled last (else empty).
    labels: Vec<Vec<u32>>,
    /// The centers of the last pass.
    last_centers: Vec<f64>,
    file: Option<FileRows>,
    /// The layout that chunks without one of their own pass through in turn.
    stream: Option<Layout>,
}

/// Worker `worker`'s own chunks among `workers`: `c mod workers == worker`.
fn home_chunks(chunks: usize, workers: usize, worker: usize) -> Vec<usize> {
    (worker..chunks).step_by(workers).collect()
}

/// How a worker gets rows from a `.npy` file.
enum FileRows {
    /// The whole file mapped into memory: a chunk's rows are a slice of it.
    Mapped(memmap2::Mmap),
    /// Rows read into a buffer (data not aligned for `f64`, or not little-endian).
    Read(File),
}

impl FileRows {
    fn open(path: &Path, layout: &NpyLayout) -> Result<Self, String> {
        let file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        // SAFETY: the mapping is read-only; like every reader of the file, the fit is
        // undefined if another process truncates or rewrites it meanwhile.
        let map = unsafe { memmap2::Mmap::map(&file) }
            .map_err(|e| format!("{}: cannot map the file: {e}", path.display()))?;
        let data = &map[layout.data_offset as usize..];
        let aligned = bytemuck::try_cast_slice::<u8, f64>(data).is_ok();
        Ok(if aligned && cfg!(target_endian = "little") {
            FileRows::Mapped(map)
        } else {
            FileRows::Read(file)
        })
    }
}

fn rows_of(job: &Job, chunk: usize) -> std::ops::Range<usize> {
    let start = chunk * job.chunk_rows;
    start..(start + job.chunk_rows).min(job.source.n())
}

impl Chunks {
    fn new(job: &Job, index: usize, peers: usize) -> Result<Self, String> {
        let chunks = job.source.n().div_ceil(job.chunk_rows);
        let layouts = (0..chunks)
            .map(|c| match &job.source {
                Source::Memory { data, d } if c % peers == index => {
                    let r = rows_of(job, c);
                    let rows = &data[r.start * d..r.end * d];
                    Some(Layout::new(Points::new(rows, *d).expect("whole rows")))
                }
                _ => None,
            })
            .collect();
        let file = match &job.source {
            Source::File { path, layout } => Some(FileRows::open(path, layout)?),
            Source::Memory { .. } => None,
        };
        let mut this = Self {
            ids: Vec::new(),
            layouts,
            labels: Vec::new(),
            last_centers: Vec::new(),
            file,
            stream: None,
        };
        this.reset(job, index, peers);
        Ok(this)
    }

    /// Back to the worker's own chunks, as a fit starts. Their labels are written here,
    /// so that the first pass does not pay for faulting their pages in (it often labels
    /// the same chunks).
    fn reset(&mut self, job: &Job, index: usize, peers: usize) {
        let chunks = self.layouts.len();
        self.ids = home_chunks(chunks, peers, index);
        self.labels = (0..chunks)
            .map(|c| match c % peers == index {
                true => vec![u32::MAX; rows_of(job, c).len()],
                false => Vec::new(),
            })
            .collect();
    }

    /// Calls `f(chunk, rows)` for each of this worker's chunks of the current pass; a
    /// file source is read one chunk at a time into a reused buffer.
    fn for_each_chunk(&self, job: &Job, mut f: impl FnMut(usize, &[f64])) -> Result<(), String> {
        let d = job.source.d();
        let mut buffer = Vec::new();
        for &chunk in &self.ids {
            let range = rows_of(job, chunk);
            match (&job.source, &self.file) {
                (Source::Memory { data, .. }, _) => f(chunk, &data[range.start * d..range.end * d]),
                (Source::File { layout, .. }, Some(FileRows::Mapped(map))) => {
                    let data: &[f64] = bytemuck::cast_slice(&map[layout.data_offset as usize..]);
                    f(chunk, &data[range.start * d..range.end * d]);
                }
                (Source::File { path, layout }, Some(FileRows::Read(file))) => {
                    buffer.resize(range.len() * d, 0.0);
                    read_npy_rows(file, path, layout, range.start, &mut buffer)
                        .map_err(|e| e.to_string())?;
                    f(chunk, &buffer);
                }
                (Source::File { .. }, None) => return Err("the data file is not open".into()),
            }
        }
        Ok(())
    }

    /// Labels the chunks `ids` against `centers` and returns their partial sums and
    /// counts, chunk after chunk (as in [`Reply::Partials`]).
    fn assign(
        &mut self,
        job: &Job,
        centers: &[f64],
        ids: &[usize],
    ) -> Result<(Vec<f64>, Vec<u32>), String> {
        let d = job.source.d();
        let k = centers.len() / d;
        // Only the labels of this pass's chunks are kept (`ids` is in chunk order).
        for &chunk in &self.ids {
            if ids.binary_search(&chunk).is_err() {
                self.labels[chunk] = Vec::new();
            }
        }
        self.ids = ids.to_vec();
        let mut labels = std::mem::take(&mut self.labels);
        let mut stream = self.stream.take();
        let mut sums = vec![0.0; ids.len() * k * d];
        let mut counts = vec![0u32; ids.len() * k];
        let mut partials = sums.chunks_exact_mut(k * d).zip(counts.chunks_exact_mut(k));
        let result = self.for_each_chunk(job, |chunk, rows| {
            let labels = &mut labels[chunk];
            labels.resize(rows.len() / d, 0);
            let points = Points::new(rows, d).expect("whole rows");
            let (sums, counts) = partials.next().expect("a partial per chunk");
            let layout = match (&self.layouts[chunk], &mut stream) {
                (Some(layout), _) => layout,
                // Other chunks pass through one layout, refilled chunk by chunk.
                (None, Some(layout)) => {
                    layout.fill(points);
                    layout
                }
                (None, None) => stream.insert(Layout::new(points)),
            };
            layout.assign_and_sum(rows, centers, labels, sums, counts);
        });
        self.labels = labels;
        self.stream = stream;
        self.last_centers = centers.to_vec();
        result.map(|()| (sums, counts))
    }

    /// Every chunk's labels and inertia against the centers of the last pass.
    fn finish(&self, job: &Job) -> Vec<Reply> {
        let d = job.source.d();
        let centers = &self.last_centers;
        let mut replies = Vec::with_capacity(self.ids.len());
        let result = self.for_each_chunk(job, |chunk, rows| {
            let labels = &self.labels[chunk];
            let points = Points::new(rows, d).expect("whole rows");
            replies.push(Reply::Labels {
                chunk,
                labels: labels.clone(),
                inertia: inertia(points, centers, labels),
            });
        });
        match result {
            Ok(()) => replies,
            Err(e) => vec![Reply::Failed(e)],
        }
    }
}

/// Worker 0's split of the chunks between the workers, pass by pass. Each worker starts
/// with its own chunks (`c mod W`); after every pass, worker 0 sets how many each gets
/// next so that all their replies reach it at the same time, from two measures per
/// worker:
///
/// - its time per chunk (the median of its last 3 passes), so that a worker on a slower
///   or busier core hands its last chunks to faster ones, as work stealing would;
/// - its *delay*: how much later than its own compute time its reply reached worker 0
///   (the command's and the reply's trips, and the wake-ups on the way). A worker in
///   another process starts later and its reply takes time to come back, so worker 0 —
///   which has no trip to make — keeps enough extra chunks to fill that time instead of
///   waiting idle, and the trips overlap its work. Worker 0's own delay is the time it
///   spends sending the command before it starts computing.
///
/// Which worker labels a chunk changes nothing in the result: a chunk's labels and sums
/// are the same on any worker, and the sums are added in chunk order.
#[derive(Debug, Clone, PartialEq)]
struct Balance {
    /// Each worker's chunks, in order.
    lists: Vec<Vec<usize>>,
    /// Each worker's seconds per chunk in its last few passes (see [`Balance::per_chunk`]).
    per_chunk: Vec<VecDeque<f64>>,
    /// Each worker's last few delay samples, in seconds.
    delays: Vec<VecDeque<f64>>,
}

impl Balance {
    fn new(chunks: usize, workers: usize) -> Self {
        Self {
            lists: Self::home(chunks, workers),
            per_chunk: vec![VecDeque::new(); workers],
            delays: vec![VecDeque::new(); workers],
        }
    }

    /// How the last pass was split, for the fit's details.
    fn details(&self) -> Map<String, Value> {
        let micros = |x: f64| (x * 1e7).round() / 10.0;
        let mut details = Map::new();
        let split: Vec<usize> = self.lists.iter().map(Vec::len).collect();
        details.insert("chunks_per_worker".into(), split.into());
        let per_chunk: Vec<Value> = (0..self.lists.len())
            .map(|w| self.per_chunk(w).map_or(Value::Null, |t| micros(t).into()))
            .collect();
        details.insert("us_per_chunk".into(), per_chunk.into());
        let delay: Vec<f64> = (0..self.lists.len())
            .map(|w| micros(self.delay(w)))
            .collect();
        details.insert("reply_delay_us".into(), delay.into());
        details
    }

    fn home(chunks: usize, workers: usize) -> Vec<Vec<usize>> {
        (0..workers)
            .map(|w| home_chunks(chunks, workers, w))
            .collect()
    }

    /// Worker `worker` took `seconds` for its chunks of the last pass.
    fn record(&mut self, worker: usize, seconds: f64) {
        let chunks = self.lists[worker].len();
        if chunks > 0 && seconds > 0.0 {
            let recent = &mut self.per_chunk[worker];
            if recent.len() == 3 {
                recent.pop_front();
            }
            recent.push_back(seconds / chunks as f64);
        }
    }

    /// Worker `worker`'s seconds per chunk, once measured: the median of its last 3
    /// passes, so that one pass on a core taken away for a time slice does not move the
    /// split, while a core that stays slower does within two passes (the last pass
    /// alone until there are 3).
    fn per_chunk(&self, worker: usize) -> Option<f64> {
        let mut recent: Vec<f64> = self.per_chunk[worker].iter().copied().collect();
        if recent.len() < 3 {
            return recent.last().copied();
        }
        recent.sort_by(f64::total_cmp);
        Some(recent[1])
    }

    /// How many delay samples the estimate is the median of: one stalled pass does not
    /// move the split.
    const DELAY_SAMPLES: usize = 5;

    /// Worker `worker`'s estimated delay: the median of its recent samples, or while
    /// there are fewer than 3, the least of them.
    fn delay(&self, worker: usize) -> f64 {
        let mut recent: Vec<f64> = self.delays[worker].iter().copied().collect();
        recent.sort_by(f64::total_cmp);
        let at = if recent.len() < 3 {
            0
        } else {
            recent.len() / 2
        };
        recent.get(at).copied().unwrap_or(0.0)
    }

    /// Worker `worker`'s reply reached worker 0 `seconds` after the command was sent,
    /// less the worker's own compute time. `exact` if worker 0 was waiting for it (or
    /// it is worker 0's own); otherwise the reply was already there when worker 0
    /// looked, and `seconds` is only an upper bound: the sample is then taken below both
    /// it and the estimate (80 % of the lesser), so that worker 0 does not go on keeping
    /// more chunks than the delay needs: it keeps fewer until it waits for a reply again
    /// and measures anew.
    fn record_delay(&mut self, worker: usize, seconds: f64, exact: bool) {
        let seconds = seconds.max(0.0);
        let sample = if exact {
            seconds
        } else {
            0.8 * seconds.min(self.delay(worker))
        };
        let recent = &mut self.delays[worker];
        if recent.len() == Self::DELAY_SAMPLES {
            recent.pop_front();
        }
        recent.push_back(sample);
    }

    /// Splits the chunks so that every worker's reply would reach worker 0 at the same
    /// time `T`: worker `w` gets `(T - delay) / time per chunk` of them. Each keeps the
    /// first of its own chunks up to its share, and the rest go, in chunk order, to the
    /// workers short of theirs.
    fn rebalance(&mut self) {
        let workers = self.lists.len();
        let chunks: usize = self.lists.iter().map(Vec::len).sum();
        let Some(times) = (0..workers)
            .map(|w| self.per_chunk(w))
            .collect::<Option<Vec<f64>>>()
        else {
            return;
        };
        let speeds: Vec<f64> = times.iter().map(|t| 1.0 / t).collect();
        let rate: f64 = speeds.iter().sum();
        // A delay counts for at most a quarter of a pass without delays: a stall of a few
        // milliseconds now and then is not a trip to plan every pass around. (So every
        // delay is below `T`, and every worker gets a share.)
        let cap = 0.25 * chunks as f64 / rate;
        let delay: Vec<f64> = (0..workers).map(|w| self.delay(w).min(cap)).collect();
        let lead: f64 = delay.iter().zip(&speeds).map(|(d, s)| d * s).sum();
        let t = (chunks as f64 + lead) / rate;
        let exact: Vec<f64> = (0..workers).map(|w| (t - delay[w]) * speeds[w]).collect();
        let mut counts: Vec<usize> = exact.iter().map(|x| x.floor() as usize).collect();
        // The chunks left by rounding down go to the largest remainders.
        let mut by_remainder: Vec<usize> = (0..workers).collect();
        by_remainder.sort_by(|&a, &b| {
            let (ra, rb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
            rb.total_cmp(&ra).then(a.cmp(&b))
        });
        let short = chunks - counts.iter().sum::<usize>();
        for &w in by_remainder.iter().take(short) {
            counts[w] += 1;
        }
        // Every worker keeps a chunk, so that it is measured again: one slow pass (its
        // core taken away for a time slice) must not shut it out for the rest of the fit.
        if chunks >= workers {
            while let Some(idle) = counts.iter().position(|&c| c == 0) {
                let busiest = (0..workers).max_by_key(|&w| counts[w]).expect("workers");
                counts[busiest] -= 1;
                counts[idle] += 1;
            }
        }
        let mut lists = Self::home(chunks, workers);
        let mut spare: Vec<usize> = Vec::new();
        for (list, &count) in lists.iter_mut().zip(&counts) {
            if list.len() > count {
                spare.extend(list.drain(count..));
            }
        }
        spare.sort_unstable();
        let mut spare = spare.into_iter();
        for (list, &count) in lists.iter_mut().zip(&counts) {
            while list.len() < count {
                list.push(spare.next().expect("the counts add up to the chunks"));
            }
            list.sort_unstable();
        }
        self.lists = lists;
    }
}

/// How long a waiting worker spins before it parks, when its last wait of the same
/// kind was shorter than [`SHORT_WAIT`] (a pass on small data is over in microseconds)
/// and all workers are threads of one process. After a longer wait, or in a cluster of
/// processes, it parks at once: a spinning worker would hold a core that the network
/// threads need to carry the very messages it waits for, and a woken network thread
/// that finds no idle core can wait milliseconds for one (the scheduler's time slice).
const SPIN: Duration = Duration::from_micros(300);
const SHORT_WAIT: Duration = Duration::from_micros(100);

/// Whether `replies` hold a failure, or `expected.0` chunks' labels and `expected.1`
/// workers' partials (or `Ready`).
fn complete(replies: &[(Reply, Instant)], expected: (usize, usize)) -> bool {
    let (mut chunks, mut workers) = (0, 0);
    for (reply, _) in replies {
        match reply {
            Reply::Labels { .. } => chunks += 1,
            Reply::Partials { .. } | Reply::Ready => workers += 1,
            Reply::Failed(_) => return true,
        }
    }
    (chunks, workers) == expected
}

/// The replies received so far, or the first failure among them.
fn take_replies(
    received: &RefCell<Vec<(Reply, Instant)>>,
) -> Result<Vec<(Reply, Instant)>, DistributedError> {
    let replies = std::mem::take(&mut *received.borrow_mut());
    match replies.iter().find(|(r, _)| matches!(r, Reply::Failed(_))) {
        Some((Reply::Failed(e), _)) => Err(DistributedError::Worker(e.clone())),
        _ => Ok(replies),
    }
}

/// Worker 0's view of the fit in progress.
struct Driver {
    centers: Vec<f64>,
    iterations: usize,
    converged: bool,
    inertia: f64,
    assign_seconds: f64,
    update_seconds: f64,
    pass_seconds: Vec<f64>,
    round_started: Instant,
}

impl Driver {
    fn new(job: &Job) -> Self {
        Self {
            centers: job.initial_centers.clone(),
            iterations: 0,
            converged: false,
            inertia: 0.0,
            assign_seconds: 0.0,
            update_seconds: 0.0,
            pass_seconds: Vec::new(),
            round_started: Instant::now(),
        }
    }
}

fn run_worker(
    worker: &mut timely::worker::Worker,
    job: &Arc<Job>,
) -> Result<Vec<Fit>, DistributedError> {
    let (index, peers) = (worker.index(), worker.peers());
    // The dataflow only carries messages: worker 0's commands to every worker, and the
    // replies to worker 0. The work happens in this loop, between steps: a step ends
    // by handing what it produced to the network, so a command is on its way to the
    // other processes before any worker starts computing — including worker 0.
    let commands: Rc<RefCell<VecDeque<Command>>> = Rc::default();
    // Replies with the time they reached worker 0, for the balance's delays.
    let received: Rc<RefCell<Vec<(Reply, Instant)>>> = Rc::default();
    let mut command_input = InputHandle::<u64, CapacityContainerBuilder<Vec<Command>>>::new();
    let mut reply_input = InputHandle::<u64, CapacityContainerBuilder<Vec<Reply>>>::new();
    {
        let (commands, received) = (Rc::clone(&commands), Rc::clone(&received));
        let (command_input, reply_input) = (&mut command_input, &mut reply_input);
        // All messages are at one time, which never advances before the inputs close:
        // nothing waits on a frontier (worker 0 counts the replies it needs), so no round
        // sends timely's progress updates to every worker. An input's `flush` hands its
        // messages to the next operator only, and `broadcast` and `exchange` hold them
        // until the operator that feeds them ends its step: the pass-through `map` is
        // that operator, so a flushed message is on the network after one step.
        worker.dataflow::<u64, _, _>(move |scope| {
            scope
                .input_from(command_input)
                .container::<Vec<_>>()
                .map(|c| c)
                .broadcast()
                .inspect(move |command: &Command| commands.borrow_mut().push_back(command.clone()));
            scope
                .input_from(reply_input)
                .container::<Vec<_>>()
                .map(|r| r)
                .exchange(|_| 0)
                .inspect(move |reply: &Reply| {
                    received.borrow_mut().push((reply.clone(), Instant::now()))
                });
        });
    }
    // Only worker 0 sends commands.
    let mut command_input = (index == 0).then_some(command_input);

    // Steps the dataflow until `done`: spinning for a while if the last wait of its
    // kind (`last`) was short, then parking until a message arrives, leaving the cores
    // to the workers and the network threads of this and other processes.
    let wait_until =
        |worker: &mut timely::worker::Worker, last: &mut Duration, done: &dyn Fn() -> bool| {
            let waiting = Instant::now();
            let spin = if job.processes == 1 && *last < SHORT_WAIT {
                SPIN
            } else {
                Duration::ZERO
            };
            while !done() {
                if waiting.elapsed() < spin {
                    worker.step();
                } else {
                    // Woken by any message; the timeout only bounds the deadline's check.
                    worker.step_or_park(Some(Duration::from_millis(10)));
                }
                if Instant::now() > job.deadline {
                    return Err(DistributedError::Timeout(job.timeout));
                }
            }
            *last = waiting.elapsed();
            Ok(())
        };
    let (mut command_wait, mut reply_wait) = (Duration::ZERO, Duration::ZERO);

    // Worker 0 keeps its own replies; the others send theirs to it.
    let deliver = |reply_input: &mut InputHandle<u64, _>, replies: Vec<Reply>| {
        if index == 0 {
            let now = Instant::now();
            received
                .borrow_mut()
                .extend(replies.into_iter().map(|r| (r, now)));
        } else {
            for reply in replies {
                reply_input.send(reply);
            }
            reply_input.flush();
        }
    };

    // Every worker lays out its chunks, and says so, before worker 0 starts the first
    // pass: a process still setting up does not count as a slow first pass.
    let mut chunks = match Chunks::new(job, index, peers) {
        Ok(chunks) => {
            deliver(&mut reply_input, vec![Reply::Ready]);
            chunks
        }
        Err(e) => {
            // Timely delivers the failure before the worker shuts down.
            deliver(&mut reply_input, vec![Reply::Failed(e.clone())]);
            return Err(DistributedError::Input(e));
        }
    };
    if index == 0 {
        wait_until(worker, &mut reply_wait, &|| {
            complete(&received.borrow(), (0, peers))
        })?;
        take_replies(&received)?;
    }

    let d = job.source.d();
    let k = job.params.k;
    let n_chunks = job.source.n().div_ceil(job.chunk_rows);
    let mut driver = Driver::new(job);
    let mut balance = Balance::new(n_chunks, peers);
    let (mut finishing, mut starting) = (false, true);
    let mut expected = (0, 0);
    // Worker 0's fits so far (see `Job::fits`).
    let mut fits = Vec::new();
    loop {
        if let Some(input) = command_input.as_mut() {
            if std::mem::take(&mut starting)
                && let Some(before_each) = &job.before_each
            {
                before_each(fits.len());
            }
            driver.round_started = Instant::now();
            let command = if finishing {
                Command::Finish {
                    more: fits.len() + 1 < job.fits,
                }
            } else {
                Command::Assign {
                    centers: driver.centers.clone(),
                    shape: (job.source.n(), d, job.chunk_rows),
                    chunks: balance.lists.clone(),
                }
            };
            // The replies this round waits for: every chunk's labels, or the partials of
            // every worker with chunks.
            let busy = balance.lists.iter().filter(|l| !l.is_empty()).count();
            expected = if finishing { (n_chunks, 0) } else { (0, busy) };
            input.send(command);
            input.flush();
            if job.processes > 1 {
                // The step hands the command to this process's send thread; yielding lets
                // that thread write it out before worker 0 computes, should it share the
                // core (`--cpus`).
                worker.step();
                std::thread::yield_now();
            }
        }
        wait_until(worker, &mut command_wait, &|| !commands.borrow().is_empty())?;
        let command = commands
            .borrow_mut()
            .pop_front()
            .expect("a command arrived");
        let finish = match command {
            Command::Finish { more } => Some(more),
            Command::Assign { .. } => None,
        };
        let replies = match command {
            Command::Assign {
                centers,
                shape,
                chunks: lists,
            } => {
                let mine = (job.source.n(), job.source.d(), job.chunk_rows);
                if shape == mine && lists.len() == peers {
                    let ids = &lists[index];
                    let started = Instant::now();
                    match chunks.assign(job, &centers, ids) {
                        // A worker without chunks has nothing to say.
                        Ok(_) if ids.is_empty() => Vec::new(),
                        Ok((sums, counts)) => vec![Reply::Partials {
                            worker: index,
                            seconds: started.elapsed().as_secs_f64(),
                            chunks: ids.clone(),
                            sums,
                            counts,
                        }],
                        Err(e) => vec![Reply::Failed(e)],
                    }
                } else {
                    vec![Reply::Failed(format!(
                        "worker {index} has (points, features, chunk rows) = {mine:?} but worker 0 has {shape:?}: start every process with the same --input and --chunk-rows"
                    ))]
                }
            }
            Command::Finish { .. } => chunks.finish(job),
        };
        deliver(&mut reply_input, replies);
        if finish == Some(true) {
            chunks.reset(job, index, peers);
        }
        if index != 0 {
            if finish == Some(false) {
                // Timely delivers these replies before the worker shuts down.
                return Ok(Vec::new());
            }
            // On to the next command (the step that waits for it sends these replies).
            continue;
        }
        // Replies already here when worker 0 first looks give only a bound on their delay.
        worker.step();
        let looked = Instant::now();
        // Worker 0 goes on as soon as it has what it needs, without waiting on workers
        // with nothing to send.
        wait_until(worker, &mut reply_wait, &|| {
            complete(&received.borrow(), expected)
        })?;
        let replies = take_replies(&received)?;
        if finishing {
            // Labels and inertia in chunk order.
            let mut labels = vec![Vec::new(); n_chunks];
            let mut inertias = vec![0.0; n_chunks];
            for (reply, _) in replies {
                if let Reply::Labels {
                    chunk,
                    labels: l,
                    inertia,
                } = reply
                {
                    labels[chunk] = l;
                    inertias[chunk] = inertia;
                }
            }
            driver.inertia = inertias.iter().fold(0.0, |a, b| a + b);
            let driver = std::mem::replace(&mut driver, Driver::new(job));
            fits.push(Fit {
                labels: labels.concat(),
                centers: driver.centers,
                k,
                d,
                iterations: driver.iterations,
                converged: driver.converged,
                inertia: driver.inertia,
                assign_seconds: driver.assign_seconds,
                update_seconds: driver.update_seconds,
                pass_seconds: driver.pass_seconds,
                details: balance.details(),
            });
            if fits.len() == job.fits {
                return Ok(fits);
            }
            balance = Balance::new(n_chunks, peers);
            (finishing, starting) = (false, true);
            continue;
        }
        // Every chunk's partials, added in chunk order.
        driver.assign_seconds += driver.round_started.elapsed().as_secs_f64();
        let t = Instant::now();
        let mut partials: Vec<Option<(&[f64], &[u32])>> = vec![None; n_chunks];
        for (reply, arrived) in &replies {
            let Reply::Partials {
                worker,
                seconds,
                chunks,
                sums,
                counts,
            } = reply
            else {
                continue;
            };
            if sums.len() != chunks.len() * k * d || counts.len() != chunks.len() * k {
                return Err(DistributedError::Worker(format!(
                    "worker {worker} sent partials of the wrong size"
                )));
            }
            let each = sums.chunks_exact(k * d).zip(counts.chunks_exact(k));
            for (&chunk, partial) in chunks.iter().zip(each) {
                if let Some(slot) = partials.get_mut(chunk) {
                    *slot = Some(partial);
                }
            }
            balance.record(*worker, *seconds);
            // The first pass's delays include the connections' warming up.
            if driver.iterations > 0 {
                let delay = (*arrived - driver.round_started).as_secs_f64() - seconds;
                balance.record_delay(*worker, delay, *worker == 0 || *arrived > looked);
            }
        }
        if let Some(chunk) = partials.iter().position(Option::is_none) {
            return Err(DistributedError::Worker(format!(
                "chunk {chunk} sent no partial sums"
            )));
        }
        balance.rebalance();
        let previous = driver.centers.clone();
        means_from_partials(partials.into_iter().flatten(), &mut driver.centers);
        driver.iterations += 1;
        driver.converged = driver.centers == previous;
        driver.update_seconds += t.elapsed().as_secs_f64();
        let pass = driver.round_started.elapsed().as_secs_f64();
        driver.pass_seconds.push(pass);
        let stop_all = job.params.max_iter <= driver.iterations
            || (driver.converged && !job.params.run_all_iterations);
        if stop_all {
            finishing = true;
        }
    }
}

/// Reads a hostfile: one `host:port` per line; blank lines and `#` comments ignored.
pub fn read_hostfile(path: &Path) -> Result<Vec<String>, DistributedError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| DistributedError::Input(format!("{}: {e}", path.display())))?;
    let hosts: Vec<String> = text
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    if hosts.is_empty() {
        return Err(DistributedError::Input(format!(
            "{}: no hosts; write one host:port per line, one line per process",
            path.display()
        )));
    }
    if let Some(bad) = hosts.iter().find(|h| {
        h.rsplit_once(':')
            .is_none_or(|(_, p)| p.parse::<u16>().is_err())
    }) {
        return Err(DistributedError::Input(format!(
            "{}: {bad:?} is not host:port",
            path.display()
        )));
    }
    Ok(hosts)
}

#[cfg(test)]
mod tests {
    use super::Balance;

    #[test]
    fn a_worker_measured_very_slow_keeps_a_chunk_and_is_measured_again() {
        let mut b = Balance::new(8, 4);
        for (w, seconds) in [(0, 2.0), (1, 0.0002), (2, 0.0002), (3, 0.0002)] {
            b.record(w, seconds);
        }
        b.rebalance();
        assert_eq!(b.lists[0].len(), 1, "{:?}", b.lists);
        all_once(&b, 8);
        // It is fast again: it gets its share back.
        for _ in 0..6 {
            for w in 0..4 {
                b.record(w, 0.0001 * b.lists[w].len() as f64);
            }
            b.rebalance();
        }
        assert_eq!(
            b.lists.iter().map(Vec::len).collect::<Vec<_>>(),
            [2, 2, 2, 2]
        );
    }

    fn all_once(b: &Balance, chunks: usize) {
        let mut seen: Vec<usize> = b.lists.concat();
        seen.sort_unstable();
        assert_eq!(seen, (0..chunks).collect::<Vec<_>>());
    }

    #[test]
    fn equal_workers_keep_their_own_chunks() {
        let mut b = Balance::new(10, 3);
        assert_eq!(
            b.lists,
            vec![vec![0, 3, 6, 9], vec![1, 4, 7], vec![2, 5, 8]]
        );
        b.rebalance(); // nothing measured yet: no change
        let home = b.lists.clone();
        for (w, list) in home.iter().enumerate() {
            b.record(w, 0.001 * list.len() as f64);
        }
        b.rebalance();
        assert_eq!(b.lists, home);
    }

    #[test]
    fn a_slower_worker_hands_its_last_chunks_to_a_faster_one() {
        let mut b = Balance::new(12, 2);
        b.record(0, 0.006); // 1 ms a chunk
        b.record(1, 0.012); // 2 ms a chunk
        b.rebalance();
        all_once(&b, 12);
        assert_eq!(b.lists[0].len(), 8);
        assert_eq!(b.lists[1], vec![1, 3, 5, 7]);
        assert_eq!(b.lists[0], vec![0, 2, 4, 6, 8, 9, 10, 11]);
        // Both at 1 ms a chunk now: the split evens out.
        b.record(0, 0.008);
        b.record(1, 0.004);
        b.rebalance();
        all_once(&b, 12);
        let sizes = |b: &Balance| b.lists.iter().map(Vec::len).collect::<Vec<_>>();
        assert_eq!(sizes(&b), vec![6, 6]);
        // From 3 passes on the median counts: one slow pass of worker 1 (its core
        // taken away for a while) does not move the split.
        for worker_1 in [0.006, 0.060] {
            b.record(0, 0.006);
            b.record(1, worker_1);
            b.rebalance();
            assert_eq!(sizes(&b), vec![6, 6]);
        }
    }

    #[test]
    fn worker_0_keeps_enough_chunks_to_cover_a_remote_workers_delay() {
        let mut b = Balance::new(40, 2);
        b.record(0, 0.020); // 1 ms a chunk each
        b.record(1, 0.020);
        // Worker 1's reply comes 4 ms after its compute, three times in a row.
        for _ in 0..3 {
            b.record_delay(1, 0.004, true);
        }
        b.rebalance();
        all_once(&b, 40);
        // Both replies at worker 0 after 22 ms: 22 chunks, and 18 + 4 ms.
        assert_eq!(
            b.lists.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![22, 18]
        );

        // A reply already there when worker 0 looked only bounds the delay: the estimate
        // shrinks, sample by sample, and worker 0 hands chunks back until it waits again.
        let mut kept = Vec::new();
        for _ in 0..4 {
            b.record_delay(1, 0.002, false);
            b.rebalance();
            all_once(&b, 40);
            kept.push(b.lists[0].len());
        }
        assert_eq!(kept, vec![22, 22, 21, 21]);
    }

    #[test]
    fn a_stall_counts_for_at_most_a_quarter_of_a_pass() {
        let mut b = Balance::new(40, 2);
        b.record(0, 0.020);
        b.record(1, 0.020);
        // Stalls of 50 ms: worker 1 still gets most of its share, not none.
        for _ in 0..3 {
            b.record_delay(1, 0.050, true);
        }
        b.rebalance();
        all_once(&b, 40);
        // The cap is a quarter of the 20 ms pass: 5 ms, as if the delay were 5 ms.
        assert_eq!(b.lists[1].len(), 18 - 1);
    }

    #[test]
    fn one_outlier_does_not_move_the_split() {
        let mut b = Balance::new(40, 2);
        b.record(0, 0.020);
        b.record(1, 0.020);
        for sample in [0.002, 0.030, 0.002] {
            b.record_delay(1, sample, true);
        }
        b.rebalance();
        // The median, 2 ms: 21 and 19.
        assert_eq!(
            b.lists.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![21, 19]
        );
    }
}
