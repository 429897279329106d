//! Clusters on this machine, over loopback: the one launcher the CLI (`ladder
//! cluster`), the benchmarks and the tests use — free ports, the hostfile, and the rule
//! that binds each process to its own share of the CPUs, as `mpirun --bind-to core` does.

use std::io;
use std::net::TcpListener;
use std::path::Path;

/// `count` addresses on 127.0.0.1, each a port that was free when asked.
pub fn free_hosts(count: usize) -> io::Result<Vec<String>> {
    // Hold every listener until all are chosen, so that no port is handed out twice.
    let listeners = (0..count)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<io::Result<Vec<_>>>()?;
    listeners
        .iter()
        .map(|l| Ok(format!("127.0.0.1:{}", l.local_addr()?.port())))
        .collect()
}

/// `count` addresses on 127.0.0.1 from `port` on.
pub fn hosts_from(port: u16, count: usize) -> Vec<String> {
    (0..count)
        .map(|i| format!("127.0.0.1:{}", usize::from(port) + i))
        .collect()
}

/// Writes `hosts` as a hostfile: one `host:port` per line, one line per process.
pub fn write_hostfile(path: &Path, hosts: &[String]) -> io::Result<()> {
    let text: String = hosts.iter().map(|h| format!("{h}\n")).collect();
    std::fs::write(path, text)
}

/// The CPUs of each of `processes` processes of `workers` workers each: process `i` gets
/// the `i`-th of equal shares of the `allowed` CPUs, as long as a share has a CPU for
/// each of its workers; otherwise `None`, and the processes are best left unbound
/// (workers that share a CPU take turns on it for whole time slices, which is slower).
pub fn cpu_shares(allowed: &[usize], processes: usize, workers: usize) -> Option<Vec<Vec<usize>>> {
    let share = allowed.len().checked_div(processes)?;
    if share == 0 || share < workers {
        return None;
    }
    Some(
        allowed
            .chunks(share)
            .take(processes)
            .map(<[usize]>::to_vec)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_process_gets_its_share_when_a_share_holds_its_workers() {
        assert_eq!(cpu_shares(&[0, 1], 2, 1), Some(vec![vec![0], vec![1]]));
        assert_eq!(
            cpu_shares(&[0, 1, 2, 3, 4], 2, 2),
            Some(vec![vec![0, 1], vec![2, 3]])
        );
        assert_eq!(cpu_shares(&[0, 1], 2, 2), None);
        assert_eq!(cpu_shares(&[0, 1], 3, 1), None);
        assert_eq!(cpu_shares(&[], 1, 1), None);
    }

    #[test]
    fn free_hosts_are_distinct_loopback_ports() {
        let hosts = free_hosts(3).unwrap();
        assert_eq!(hosts.len(), 3);
        assert!(hosts.iter().all(|h| h.starts_with("127.0.0.1:")));
        let mut unique = hosts.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 3);
        assert_eq!(hosts_from(4000, 2), ["127.0.0.1:4000", "127.0.0.1:4001"]);
    }
}
