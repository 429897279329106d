//! The distributed engine's cost beside `parallel`, per pass, on the same points in
//! memory.
//!
//! This machine's speed drifts by tens of percent over seconds, so the engines are
//! compared in [`ROUNDS`] rounds of back-to-back fits: a `parallel` fit, a one-process
//! `distributed` fit with 2 workers, and at 1M points a fit by a cluster of two real OS
//! processes on loopback. The cluster connects once and runs one fit per round
//! ([`Distributed::fit_repeatedly`]); the round's other fits run on process 0 while
//! process 1 waits for the fit's first command. Process 1 is a copy of the running
//! program started with [`PEER_ENV`] set: a program that calls [`measure`] must call
//! [`serve_if_peer`] first thing in `main`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use ladder_core::{Fit, FitParams, Points, Stage};
use ladder_distributed::{
    BeforeEach, Cluster, Distributed, DistributedFacts, Prepared, Source, allowed_cpus,
};

use crate::loopback::{cpu_shares, free_hosts};
use crate::stats;
use crate::table::{Align, Table};
use crate::workloads::Workload;

/// Rounds per workload.
pub const ROUNDS: usize = 30;

/// Set in the environment of the copy of the program that runs as process 1 of a
/// two-process cluster: `WORKLOAD;HOST:PORT,HOST:PORT`.
pub const PEER_ENV: &str = "LADDER_BENCH_PEER";

/// One engine's passes over its fits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PassTimes {
    /// The median of all passes of all fits.
    pub median: f64,
    /// Their 90th percentile.
    pub p90: f64,
    /// The median over the fits of each fit's mean pass, its first pass and any stall
    /// included.
    pub mean: f64,
}

impl PassTimes {
    /// The statistics of `fits`' passes.
    pub fn of(fits: &[Fit]) -> Self {
        let all: Vec<f64> = fits.iter().flat_map(|f| f.pass_seconds.clone()).collect();
        let means: Vec<f64> = fits.iter().map(mean_pass).collect();
        Self {
            median: stats::median(&all),
            p90: stats::percentile(&all, 0.9),
            mean: stats::median(&means),
        }
    }
}

/// A fit's average pass, its first pass and any stall included.
pub fn mean_pass(fit: &Fit) -> f64 {
    stats::mean(&fit.pass_seconds)
}

/// One workload's rounds: every engine's fits, round by round.
#[derive(Debug, Clone)]
pub struct Rounds {
    /// The workload's name.
    pub workload: &'static str,
    /// `parallel`'s fits.
    pub parallel: Vec<Fit>,
    /// One process with 2 workers.
    pub local: Vec<Fit>,
    /// Two OS processes (empty where not measured).
    pub cluster: Vec<Fit>,
}

/// The rounds on the seed workload and on 1M×2 (the latter with two processes).
pub fn measure() -> Result<Vec<Rounds>> {
    let grid = Workload::grid();
    let big = grid.first().context("the grid has a workload")?;
    Ok(vec![rounds(&Workload::SEED, false)?, rounds(big, true)?])
}

/// [`ROUNDS`] rounds on `w`, with the two-process cluster if `two`.
fn rounds(w: &Workload, two: bool) -> Result<Rounds> {
    let m = w.points();
    let params = w.params();
    let data = Arc::new(m.as_slice().to_vec());
    // The round's fits run on worker 0 of the 2-process cluster, which is bound to one
    // CPU: the 1-process fit binds its threads to all of them again.
    let local = Distributed {
        cpus: Some(allowed_cpus()),
        ..Distributed::local(2)
    };
    let round = {
        let (data, params, d) = (data.clone(), params.clone(), w.d);
        move || -> (Fit, Fit) {
            let points = Points::new(&data, d).expect("whole rows");
            let parallel = ladder_parallel::Parallel::new().fit(points, &params);
            let distributed = local.fit(points, &params);
            (
                parallel.expect("parallel fits"),
                distributed.expect("distributed fits"),
            )
        }
    };
    let (parallel, local, cluster) = if two {
        let done = Arc::new(Mutex::new(Vec::new()));
        let before_each: BeforeEach = {
            let done = done.clone();
            Arc::new(move |_| done.lock().expect("not poisoned").push(round()))
        };
        let cluster = two_processes(w, &data, &params, before_each)?;
        let done = std::mem::take(&mut *done.lock().expect("not poisoned"));
        let (parallel, local) = done.into_iter().unzip();
        (parallel, local, cluster)
    } else {
        let (parallel, local) = (0..ROUNDS).map(|_| round()).unzip();
        (parallel, local, Vec::new())
    };
    Ok(Rounds {
        workload: w.name,
        parallel,
        local,
        cluster,
    })
}

/// The distributed stage as process `process` of the cluster `hosts`, one worker, bound
/// to its share of the CPUs as the launcher binds them.
fn cluster_member(hosts: &[String], process: usize) -> Distributed {
    Distributed {
        cluster: Cluster::Hosts {
            hosts: hosts.to_vec(),
            process,
            workers: 1,
        },
        chunk_rows: Distributed::DEFAULT_CHUNK_ROWS,
        timeout: Duration::from_secs(300),
        cpus: cpu_shares(&allowed_cpus(), hosts.len(), 1).map(|mut s| s.swap_remove(process)),
    }
}

/// [`ROUNDS`] fits by a cluster of two OS processes on loopback: this one (process 0)
/// and a copy of this program started as process 1 on the same workload;
/// `before_each` runs before each fit.
fn two_processes(
    w: &Workload,
    data: &Arc<Vec<f64>>,
    params: &FitParams,
    before_each: BeforeEach,
) -> Result<Vec<Fit>> {
    let hosts = free_hosts(2).context("two free ports on loopback")?;
    let exe = std::env::current_exe().context("the program's own path")?;
    let mut peer = std::process::Command::new(exe)
        .env(PEER_ENV, format!("{};{}", w.name, hosts.join(",")))
        .stdout(std::process::Stdio::null())
        .spawn()
        .context("starting process 1")?;
    let source = Source::Memory {
        data: data.clone(),
        d: w.d,
    };
    let prepared = Prepared::new(source, params)?;
    let fits = cluster_member(&hosts, 0).fit_repeatedly(&prepared, ROUNDS, Some(before_each))?;
    let status = peer.wait().context("waiting for process 1")?;
    if !status.success() {
        bail!("process 1 failed: {status}");
    }
    Ok(fits)
}

/// In a copy of the program started as process 1 (with [`PEER_ENV`] set): serves the
/// cluster's fits and returns `true`; elsewhere returns `false` at once.
pub fn serve_if_peer() -> Result<bool> {
    let Ok(spec) = std::env::var(PEER_ENV) else {
        return Ok(false);
    };
    let (name, hosts) = spec
        .split_once(';')
        .with_context(|| format!("{PEER_ENV}={spec:?} is not WORKLOAD;HOSTS"))?;
    let hosts: Vec<String> = hosts.split(',').map(String::from).collect();
    let w = Workload::grid()
        .into_iter()
        .find(|w| w.name == name)
        .with_context(|| format!("{PEER_ENV}: no grid workload is called {name:?}"))?;
    let source = Source::Memory {
        data: Arc::new(w.points().into_vec()),
        d: w.d,
    };
    cluster_member(&hosts, 1).fit_source(source, &w.params())?;
    Ok(true)
}

/// The engines' rows and notes, as markdown.
pub fn report(rounds: &[Rounds]) -> String {
    let mut table = Table::new(&[
        ("workload", Align::Left),
        ("engine", Align::Left),
        ("median pass", Align::Right),
        ("90th percentile pass", Align::Right),
        ("mean pass", Align::Right),
        ("overhead, median pass", Align::Right),
        ("overhead, mean pass", Align::Right),
    ]);
    let mut notes = Vec::new();
    for r in rounds {
        engine_rows(&mut table, r);
        notes.extend(round_notes(r));
    }
    format!(
        "distributed stage (timely) beside parallel, per pass (assignment + update), in {ROUNDS} \
         rounds of back-to-back fits (parallel, distributed in 1 process, then at 1M points a cluster of \
         2 OS processes that connected once and talks over loopback TCP); points in memory. The median \
         and 90th percentile are over all passes of the fits; the mean pass is the median over the \
         fits of each fit's total over its passes, its first pass and any stalls included:\n\n{}\n\n{}\n",
        table.to_markdown(),
        notes.join("\n")
    )
}

/// A row per engine of `r`, each against `parallel`.
fn engine_rows(table: &mut Table, r: &Rounds) {
    let ms = |s: f64| format!("{:.3} ms", s * 1e3);
    let threads = format!("parallel, {} threads", rayon::current_num_threads());
    let mut engines = vec![
        (threads, PassTimes::of(&r.parallel)),
        (
            "distributed, 1 process, 2 workers".to_string(),
            PassTimes::of(&r.local),
        ),
    ];
    if !r.cluster.is_empty() {
        let name = "distributed, 2 OS processes on loopback, 1 worker each";
        engines.push((name.to_string(), PassTimes::of(&r.cluster)));
    }
    let base = engines[0].1;
    for (i, (engine, t)) in engines.into_iter().enumerate() {
        let vs = |t: f64, base: f64| match i {
            0 => "—".to_string(),
            _ => format!("{:+.0} %", 100.0 * (t / base - 1.0)),
        };
        table.push(vec![
            r.workload.to_string(),
            engine,
            ms(t.median),
            ms(t.p90),
            ms(t.mean),
            vs(t.median, base.median),
            vs(t.mean, base.mean),
        ]);
    }
}

/// Round by round: each engine's mean pass against the round's `parallel` fit; and each
/// two-process fit pass by pass, with the split worker 0 arrived at.
fn round_notes(r: &Rounds) -> Vec<String> {
    let mut notes = Vec::new();
    let mut against = vec![("1 process", &r.local)];
    if !r.cluster.is_empty() {
        against.push(("2 processes", &r.cluster));
    }
    for (name, fits) in against {
        let ratios: Vec<f64> = fits
            .iter()
            .zip(&r.parallel)
            .map(|(f, b)| 100.0 * (mean_pass(f) / mean_pass(b) - 1.0))
            .collect();
        let shown: Vec<String> = stats::sorted(&ratios)
            .iter()
            .map(|r| format!("{r:+.0}"))
            .collect();
        notes.push(format!(
            "- {}, {name}: overhead in mean pass, round by round (against the round's parallel fit): median {:+.0} %; all rounds, sorted: {} %",
            r.workload,
            stats::median(&ratios),
            shown.join(" "),
        ));
    }
    for (i, (fit, base)) in r.cluster.iter().zip(&r.parallel).enumerate() {
        let passes: Vec<String> = fit
            .pass_seconds
            .iter()
            .map(|s| format!("{:.1}", s * 1e3))
            .collect();
        let split = fit.details.get::<DistributedFacts>().map(|f| &f.balance);
        let json = |v: Option<String>| v.unwrap_or_else(|| "?".into());
        notes.push(format!(
            "- {} round {}, 2 processes, passes in ms: {} (parallel's mean pass that round: {:.1}); chunks per worker {}, µs per chunk {}, reply delay µs {}",
            r.workload,
            i + 1,
            passes.join(" "),
            mean_pass(base) * 1e3,
            json(split.and_then(|s| serde_json::to_string(&s.chunks_per_worker).ok())),
            json(split.and_then(|s| serde_json::to_string(&s.us_per_chunk).ok())),
            json(split.and_then(|s| serde_json::to_string(&s.reply_delay_us).ok())),
        ));
    }
    notes
}
