//! `ladder cluster P [fit arguments]`: runs `ladder fit --stage distributed` as a cluster
//! of `P` processes on this machine (loopback), binds each to its own share of the CPUs
//! when a share has a CPU per worker ([`crate::loopback::cpu_shares`]), waits for all of
//! them, and leaves process 0's result where `--out` says.

use std::process::{Child, Command};

use anyhow::{Context, Result, bail};
use ladder_distributed::{Distributed, allowed_cpus};

use super::{ClusterArgs, InputError};
use crate::loopback::{cpu_shares, free_hosts, hosts_from, write_hostfile};

/// Starts the processes and waits for every one; fails if any failed.
pub(super) fn cluster(args: &ClusterArgs) -> Result<()> {
    let processes = args.processes;
    if processes == 0 {
        bail!("PROCESSES must be at least 1");
    }
    let hosts = match args.port {
        Some(port) => hosts_from(port, processes),
        None => free_hosts(processes).context("finding free ports on 127.0.0.1")?,
    };
    let dir = tempfile::tempdir().context("creating the hostfile's directory")?;
    let hostfile = dir.path().join("hosts.txt");
    write_hostfile(&hostfile, &hosts).context("writing the hostfile")?;
    let bind = !args.no_bind
        && !args
            .fit
            .iter()
            .any(|a| a == "--cpus" || a.starts_with("--cpus="));
    let shares = bind
        .then(|| cpu_shares(&allowed_cpus(), processes, workers(&args.fit)))
        .flatten();
    let program = std::env::current_exe().context("finding the ladder binary")?;
    let mut children: Vec<(usize, Child)> = Vec::new();
    // The others first, then process 0, which keeps --out.
    for process in (1..processes).chain([0]) {
        let mut command = Command::new(&program);
        command.args(["fit", "--stage", "distributed", "--hosts"]);
        command
            .arg(&hostfile)
            .arg("--process")
            .arg(process.to_string());
        if let Some(shares) = &shares {
            let list: Vec<String> = shares[process].iter().map(usize::to_string).collect();
            command.args(["--cpus", &list.join(",")]);
        }
        command.args(match process {
            0 => args.fit.clone(),
            _ => without_out(&args.fit),
        });
        let child = command
            .spawn()
            .with_context(|| format!("starting process {process}"))?;
        children.push((process, child));
    }
    let mut failed = Vec::new();
    let mut input_errors = 0;
    for (process, mut child) in children {
        let status = child
            .wait()
            .with_context(|| format!("waiting for process {process}"))?;
        if !status.success() {
            failed.push(process);
            input_errors += usize::from(status.code() == Some(2));
        }
    }
    let said = format!("processes {failed:?} of the cluster failed (their errors are above)");
    match failed.as_slice() {
        [] => Ok(()),
        // Every process refused the same input: the user's error, like theirs.
        _ if input_errors == failed.len() => Err(InputError(anyhow::anyhow!(said)).into()),
        _ => bail!(said),
    }
}

/// The `--workers` the fit arguments give (or the default).
fn workers(fit: &[String]) -> usize {
    let mut workers = Distributed::DEFAULT_WORKERS;
    for (i, arg) in fit.iter().enumerate() {
        let value = match arg.strip_prefix("--workers=") {
            Some(v) => Some(v),
            None if arg == "--workers" => fit.get(i + 1).map(String::as_str),
            None => None,
        };
        if let Some(n) = value.and_then(|v| v.parse().ok()) {
            workers = n;
        }
    }
    workers
}

/// The fit arguments without `--out FILE` (only process 0 writes it).
fn without_out(fit: &[String]) -> Vec<String> {
    let mut kept = Vec::new();
    let mut args = fit.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => {
                args.next();
            }
            a if a.starts_with("--out=") => {}
            _ => kept.push(arg.clone()),
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn reads_workers_and_drops_out() {
        assert_eq!(workers(&strings(&["--k", "3"])), 2);
        assert_eq!(workers(&strings(&["--workers", "1", "--k", "3"])), 1);
        assert_eq!(workers(&strings(&["--workers=4"])), 4);
        assert_eq!(
            without_out(&strings(&[
                "--k", "3", "--out", "r.json", "--out=x", "--seed", "1"
            ])),
            strings(&["--k", "3", "--seed", "1"])
        );
    }
}
