//! What a distributed fit is given: where the points are ([`Source`]), how the workers
//! are spread ([`Cluster`]), the stage's settings ([`Distributed`]), and the points
//! checked against the parameters once ([`Prepared`]).

use std::borrow::Cow;
use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use ladder_blobs::io::{IoError, NpyLayout, read_npy_rows};
use ladder_core::{Extent, FitParams, Plan, PointSource, Points, check_values};

use crate::DistributedError;

/// Where the points come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// In memory, shared by the worker threads of this process.
    Memory {
        /// `n × d`, row-major.
        data: Arc<Vec<f64>>,
        /// Features per point.
        d: usize,
    },
    /// A float64 C-order `.npy` file that every worker reads its own chunks from.
    File {
        /// The file.
        path: PathBuf,
        /// Where its rows are.
        layout: NpyLayout,
    },
}

impl Source {
    /// Number of points.
    pub fn n(&self) -> usize {
        match self {
            Source::Memory { data, d } => data.len() / d,
            Source::File { layout, .. } => layout.n,
        }
    }

    /// Features per point.
    pub fn d(&self) -> usize {
        match self {
            Source::Memory { d, .. } => *d,
            Source::File { layout, .. } => layout.d,
        }
    }
}

/// A [`Source`] open for reading rows, as [`FitParams::check_source`] reads them.
struct Reader<'a> {
    source: &'a Source,
    file: Option<File>,
}

impl<'a> Reader<'a> {
    fn open(source: &'a Source) -> Result<Self, IoError> {
        let file = match source {
            Source::Memory { .. } => None,
            Source::File { path, .. } => Some(File::open(path).map_err(|e| IoError::io(path, e))?),
        };
        Ok(Self { source, file })
    }
}

impl PointSource for Reader<'_> {
    type Error = DistributedError;

    fn n(&self) -> usize {
        self.source.n()
    }

    fn d(&self) -> usize {
        self.source.d()
    }

    fn read_rows(&self, start: usize, out: &mut [f64]) -> Result<(), DistributedError> {
        match (self.source, &self.file) {
            (Source::Memory { data, d }, _) => {
                out.copy_from_slice(&data[start * d..start * d + out.len()]);
            }
            (Source::File { path, layout }, Some(file)) => {
                read_npy_rows(file, path, layout, start, out)?;
            }
            (Source::File { path, .. }, None) => {
                let missing = std::io::Error::from(std::io::ErrorKind::NotFound);
                return Err(IoError::io(path, missing).into());
            }
        }
        Ok(())
    }

    fn check_values(&self) -> Result<Extent, DistributedError> {
        match self.source {
            Source::Memory { data, d } => Ok(check_values(Points::new(data, *d)?)?),
            Source::File { .. } => self.check_blocks(),
        }
    }

    fn read_all(&self) -> Result<Cow<'_, [f64]>, DistributedError> {
        match self.source {
            Source::Memory { data, .. } => Ok(Cow::Borrowed(&data[..])),
            Source::File { .. } => {
                let mut all = vec![0.0; self.n() * self.d()];
                self.read_rows(0, &mut all)?;
                Ok(Cow::Owned(all))
            }
        }
    }
}

/// How the workers are spread: threads of this process, or processes of a cluster.
#[derive(Debug, Clone, PartialEq)]
pub enum Cluster {
    /// One process with this many worker threads.
    Local {
        /// Worker threads.
        workers: usize,
    },
    /// Process `process` of `hosts.len()` (one `host:port` each), `workers` threads each.
    Hosts {
        /// One `host:port` per process.
        hosts: Vec<String>,
        /// This process's line of `hosts`.
        process: usize,
        /// Worker threads per process.
        workers: usize,
    },
}

impl Cluster {
    /// Worker threads per process.
    pub fn workers(&self) -> usize {
        match self {
            Cluster::Local { workers } | Cluster::Hosts { workers, .. } => *workers,
        }
    }

    /// Processes in the cluster.
    pub fn processes(&self) -> usize {
        match self {
            Cluster::Local { .. } => 1,
            Cluster::Hosts { hosts, .. } => hosts.len(),
        }
    }

    /// Whether this process runs worker 0, which gets the result.
    pub fn is_process_0(&self) -> bool {
        match self {
            Cluster::Local { .. } => true,
            Cluster::Hosts { process, .. } => *process == 0,
        }
    }
}

/// The `distributed` stage.
#[derive(Debug, Clone, PartialEq)]
pub struct Distributed {
    /// Where the workers run.
    pub cluster: Cluster,
    /// Rows per chunk (Dask's `chunks=`).
    pub chunk_rows: usize,
    /// Upper bound on the whole fit, connection included.
    pub timeout: Duration,
    /// The CPUs this process's workers and timely's network threads run on (`--cpus`);
    /// `None` leaves them to the scheduler. Several processes of a cluster on one
    /// machine run best with a set each, as `mpirun --bind-to core` gives them: see
    /// [`crate::bind_to`].
    pub cpus: Option<Vec<usize>>,
}

impl Distributed {
    /// Worker threads of the stage as the ladder runs it.
    pub const DEFAULT_WORKERS: usize = 2;
    /// Rows per chunk unless told otherwise.
    pub const DEFAULT_CHUNK_ROWS: usize = 16_384;
    /// The bound on a fit unless told otherwise.
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

/// Points and parameters checked against each other, with the initial centers chosen:
/// ready to fit any number of times without reading a file source again to check it.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub(crate) source: Source,
    pub(crate) plan: Plan,
}

impl Prepared {
    /// Checks `params` against the points of `source` (a file is read a block at a time)
    /// and chooses the initial centers, as every stage does ([`FitParams::check_source`]).
    pub fn new(source: Source, params: &FitParams) -> Result<Self, DistributedError> {
        let plan = params.check_source(&Reader::open(&source)?)?;
        Ok(Self { source, plan })
    }

    /// The checked parameters, shape and initial centers.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The `k × d` centers the fit starts from.
    pub fn initial_centers(&self) -> &[f64] {
        self.plan.initial_centers()
    }
}
