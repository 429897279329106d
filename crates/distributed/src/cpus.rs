//! Binding a process's threads to CPUs (`--cpus`), as `mpirun --bind-to core` does.
//!
//! Why a cluster's processes on one machine want it: a message between two processes
//! passes through four threads (the sender's worker, timely's send thread, the receiver's
//! network thread, its worker), and each hand-over wakes a thread. Left to the scheduler,
//! a woken network thread may be queued behind the other process's busy worker on its
//! core (for a time slice, milliseconds) or sent to an idle core (tens of microseconds
//! to wake it on a virtual machine). Bound, each process's threads share its own cores:
//! a hand-over within a process is a switch on the same core, and only the trip between
//! processes crosses cores.

use std::fmt;

/// Why the threads could not be bound.
#[derive(Debug, thiserror::Error)]
pub enum CpuError {
    /// An empty list.
    #[error("--cpus needs at least one CPU")]
    Empty,
    /// A CPU outside the process's affinity.
    #[error("--cpus: this process may not run on CPU {cpu}; it may use CPUs {allowed}")]
    NotAllowed {
        /// The CPU asked for.
        cpu: usize,
        /// The CPUs the process may use.
        allowed: CpuList,
    },
    /// The operating system refused.
    #[error("--cpus: cannot bind to CPU {cpu}")]
    Refused {
        /// The CPU asked for.
        cpu: usize,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// Not on Linux.
    #[error("--cpus is supported on Linux only")]
    Unsupported,
}

/// A list of CPUs, shown as `0,1,4`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpuList(pub Vec<usize>);

impl fmt::Display for CpuList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list: Vec<String> = self.0.iter().map(usize::to_string).collect();
        f.write_str(&list.join(","))
    }
}

/// A CPU list that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a CPU list such as 0,1 or 2-3")]
pub struct BadCpuList(pub String);

impl std::str::FromStr for CpuList {
    type Err = BadCpuList;

    /// Reads `0,2-3` as CPUs 0, 2 and 3 (sorted, without repeats).
    fn from_str(list: &str) -> Result<Self, BadCpuList> {
        let bad = || BadCpuList(list.to_string());
        let mut cpus = Vec::new();
        for part in list.split(',') {
            let part = part.trim();
            let (first, last) = part.split_once('-').unwrap_or((part, part));
            let first: usize = first.trim().parse().map_err(|_| bad())?;
            let last: usize = last.trim().parse().map_err(|_| bad())?;
            if first > last {
                return Err(bad());
            }
            cpus.extend(first..=last);
        }
        cpus.sort_unstable();
        cpus.dedup();
        Ok(CpuList(cpus))
    }
}

/// Binds the calling thread, and so every thread it starts afterwards, to `cpus`.
#[cfg(target_os = "linux")]
pub fn bind_to(cpus: &[usize]) -> Result<(), CpuError> {
    use nix::sched::{CpuSet, sched_setaffinity};
    use nix::unistd::Pid;
    let this_thread = Pid::from_raw(0);
    let allowed = allowed_cpus();
    let Some(&first) = cpus.first() else {
        return Err(CpuError::Empty);
    };
    let mut set = CpuSet::new();
    for &cpu in cpus {
        if !allowed.contains(&cpu) {
            return Err(CpuError::NotAllowed {
                cpu,
                allowed: CpuList(allowed),
            });
        }
        set.set(cpu).map_err(|e| CpuError::Refused {
            cpu,
            source: e.into(),
        })?;
    }
    sched_setaffinity(this_thread, &set).map_err(|e| CpuError::Refused {
        cpu: first,
        source: e.into(),
    })
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
pub fn bind_to(_cpus: &[usize]) -> Result<(), CpuError> {
    Err(CpuError::Unsupported)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_lists_read_ranges_and_refuse_garbage() {
        assert_eq!("2-3,0".parse::<CpuList>(), Ok(CpuList(vec![0, 2, 3])));
        assert_eq!(CpuList(vec![0, 2, 3]).to_string(), "0,2,3");
        for bad in ["3-1", "x", "1,", ""] {
            assert!(bad.parse::<CpuList>().is_err(), "{bad:?}");
        }
    }
}
