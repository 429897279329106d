//! The distributed stage's settings as a user gives them (`ladder fit --workers …`),
//! checked into a [`Distributed`].

use std::path::PathBuf;
use std::time::Duration;

use crate::{Cluster, Distributed, DistributedError, read_hostfile};

/// The options of `ladder fit --stage distributed`, before they are checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Worker threads per process, at least 1.
    pub workers: usize,
    /// Rows per chunk, at least 1.
    pub chunk_rows: usize,
    /// The cluster's hostfile; with `process`, this process is one of a cluster.
    pub hosts: Option<PathBuf>,
    /// Which line of the hostfile this process is.
    pub process: Option<usize>,
    /// The bound on the whole fit, in seconds: positive and finite.
    pub timeout_seconds: f64,
    /// The CPUs to bind this process's threads to.
    pub cpus: Option<Vec<usize>>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            workers: Distributed::DEFAULT_WORKERS,
            chunk_rows: Distributed::DEFAULT_CHUNK_ROWS,
            hosts: None,
            process: None,
            timeout_seconds: Distributed::DEFAULT_TIMEOUT.as_secs_f64(),
            cpus: None,
        }
    }
}

/// What is wrong with the settings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    /// `--workers 0`.
    #[error("--workers must be at least 1")]
    WorkersZero,
    /// `--hosts` alone.
    #[error("--hosts needs --process I: which line of the hostfile this process is")]
    HostsWithoutProcess,
    /// `--process` alone.
    #[error("--process needs --hosts FILE: the cluster's host:port lines")]
    ProcessWithoutHosts,
    /// A timeout that is not a positive number of seconds.
    #[error("--timeout must be a positive number of seconds")]
    BadTimeout,
}

impl Settings {
    /// The stage these settings describe; the hostfile is read here.
    pub fn build(&self) -> Result<Distributed, DistributedError> {
        let workers = self.workers;
        if workers == 0 {
            return Err(SettingsError::WorkersZero.into());
        }
        let cluster = match (&self.hosts, self.process) {
            (None, None) => Cluster::Local { workers },
            (Some(path), Some(process)) => Cluster::Hosts {
                hosts: read_hostfile(path)?,
                process,
                workers,
            },
            (Some(_), None) => return Err(SettingsError::HostsWithoutProcess.into()),
            (None, Some(_)) => return Err(SettingsError::ProcessWithoutHosts.into()),
        };
        let timeout = self.timeout_seconds;
        if !(timeout > 0.0 && timeout.is_finite()) {
            return Err(SettingsError::BadTimeout.into());
        }
        Ok(Distributed {
            cluster,
            chunk_rows: self.chunk_rows,
            timeout: Duration::from_secs_f64(timeout),
            cpus: self.cpus.clone(),
        })
    }
}
