//! The `ladder` command line: its arguments (clap) and what each subcommand does.

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use ladder_blobs::io::{create_file, npy_layout, read_points, write_labels_npy, write_points};
use ladder_blobs::{BlobSpec, Generator, make_blobs};
use ladder_core::{FitParams, Init};
use ladder_distributed::{Cluster, Distributed, Prepared, Source, read_hostfile};

use crate::run::{FitRecord, timed_fit};
use crate::stages;

/// Lloyd's k-means, rung by rung: generate blob data, fit it with any stage, list stages.
#[derive(Debug, Parser)]
#[command(name = "ladder", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate blob data: scikit-learn's make_blobs, bit for bit with --generator numpy.
    Blobs(BlobsArgs),
    /// Fit k-means to points from a .npy or CSV file and report the result.
    Fit(FitArgs),
    /// List the stages of the ladder.
    Stages,
}

#[derive(Debug, Args)]
pub struct BlobsArgs {
    /// Number of points (make_blobs n_samples).
    #[arg(long, value_name = "N")]
    pub samples: usize,
    /// Number of blobs (make_blobs centers).
    #[arg(long, value_name = "C")]
    pub centers: usize,
    /// Features per point (make_blobs n_features).
    #[arg(long, value_name = "D", default_value_t = 2)]
    pub features: usize,
    /// Standard deviation of every blob (make_blobs cluster_std).
    #[arg(
        long,
        value_name = "S",
        default_value_t = 1.0,
        allow_negative_numbers = true
    )]
    pub std: f64,
    /// Seed (make_blobs random_state; 0..=4294967295 for the numpy generator).
    #[arg(long, value_name = "X", default_value_t = 0)]
    pub seed: u64,
    /// numpy: bit-exact scikit-learn; fast: ChaCha8, chunked, parallel.
    #[arg(long, default_value = "numpy")]
    pub generator: Generator,
    /// Keep the points grouped by blob (make_blobs shuffle=False).
    #[arg(long)]
    pub no_shuffle: bool,
    /// Where to write the points: .npy (float64, C order, shape (N, D)) or .csv.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Where to write each point's blob: an int64 .npy of shape (N,).
    #[arg(long, value_name = "FILE")]
    pub labels_out: Option<PathBuf>,
    /// Where to write the blob centers: .npy or .csv of shape (C, D).
    #[arg(long, value_name = "FILE")]
    pub centers_out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct FitArgs {
    /// Points: a 2-D float .npy file (float64 or float32) or a CSV file, one point per row.
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
    /// Number of clusters (may be left out with --init-centers, which then sets it).
    #[arg(long, value_name = "K")]
    pub k: Option<usize>,
    /// Which stage fits (see `ladder stages`).
    #[arg(long, default_value = "naive")]
    pub stage: String,
    /// Initial centers: last-k (the seed's points[-k:]), first-k, random, kmeans++.
    #[arg(long, default_value = "last-k")]
    pub init: Init,
    /// Start from these centers instead (.npy or CSV, k rows of d values).
    #[arg(long, value_name = "FILE", conflicts_with = "init")]
    pub init_centers: Option<PathBuf>,
    /// Seed of the random and kmeans++ inits.
    #[arg(long, value_name = "X", default_value_t = 0)]
    pub seed: u64,
    /// Stop after this many assignment passes if not converged.
    #[arg(long, value_name = "M", default_value_t = FitParams::DEFAULT_MAX_ITER)]
    pub max_iter: usize,
    /// Fit once to warm up, then R more times, and report min and median seconds.
    #[arg(long, value_name = "R", default_value_t = 0)]
    pub repeat: usize,
    /// Write the full result (labels, centers, timings) as JSON.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Run all --max-iter passes even after convergence (for timing a fixed number).
    #[arg(long)]
    pub no_early_stop: bool,
    /// distributed: worker threads per process [default: 2].
    #[arg(long, value_name = "N")]
    pub workers: Option<usize>,
    /// distributed: rows per chunk [default: 16384].
    #[arg(long, value_name = "ROWS")]
    pub chunk_rows: Option<usize>,
    /// distributed: the cluster's hostfile, one host:port per process.
    #[arg(long, value_name = "FILE")]
    pub hosts: Option<PathBuf>,
    /// distributed: which line of the hostfile this process is (0-based).
    #[arg(long, value_name = "I")]
    pub process: Option<usize>,
    /// distributed: give up (non-zero exit) when the fit, connecting included, takes longer [default: 600].
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<f64>,
    /// distributed: run this process's workers and network threads on these CPUs only
    /// (e.g. 0,1 or 2-3), as `mpirun --bind-to core` does; give each process of a
    /// cluster on one machine its own [default: any CPU].
    #[arg(long, value_name = "LIST", value_parser = parse_cpus)]
    // (`std::vec::Vec`, spelled out, is one value for clap: the whole list.)
    pub cpus: Option<std::vec::Vec<usize>>,
}

/// A CPU list such as `0,2-3`.
fn parse_cpus(list: &str) -> Result<Vec<usize>, String> {
    let bad = || format!("{list:?} is not a CPU list such as 0,1 or 2-3");
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
    Ok(cpus)
}

/// A clap usage error on one line: its message without the usage block, and where to
/// look for help.
pub fn one_line(err: &clap::Error) -> String {
    let text = err.render().to_string();
    let message: Vec<&str> = text
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .filter(|l| !l.is_empty())
        .collect();
    let message = message.join(" ");
    let message = message.strip_prefix("error: ").unwrap_or(&message);
    format!("{message} (see ladder --help)")
}

/// Runs one parsed command line; what it prints goes to stdout.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Blobs(args) => blobs(args),
        Command::Fit(args) => fit(args),
        Command::Stages => {
            for stage in stages::all() {
                println!("{:<20} {}", stage.name(), stage.summary());
            }
            Ok(())
        }
    }
}

fn blobs(args: BlobsArgs) -> Result<()> {
    let spec = BlobSpec::new(args.samples, args.centers)
        .features(args.features)
        .std(args.std)
        .seed(args.seed)
        .shuffle(!args.no_shuffle);
    let blobs = make_blobs(&spec, args.generator)?;
    write_points(&args.out, &blobs.points)?;
    if let Some(path) = &args.labels_out {
        write_labels_npy(path, &blobs.labels)?;
    }
    if let Some(path) = &args.centers_out {
        write_points(path, &blobs.centers)?;
    }
    println!(
        "wrote {} points × {} features ({} blobs, {} generator, seed {}) to {}",
        blobs.points.n(),
        blobs.points.d(),
        blobs.centers.n(),
        args.generator,
        args.seed,
        args.out.display()
    );
    Ok(())
}

fn fit(args: FitArgs) -> Result<()> {
    let stage = stages::find(&args.stage)?;
    let distributed = stage.name() == "distributed";
    if !distributed
        && let Some(flag) = [
            (args.hosts.is_some(), "--hosts"),
            (args.process.is_some(), "--process"),
            (args.workers.is_some(), "--workers"),
            (args.chunk_rows.is_some(), "--chunk-rows"),
            (args.timeout.is_some(), "--timeout"),
            (args.cpus.is_some(), "--cpus"),
        ]
        .into_iter()
        .find_map(|(given, flag)| given.then_some(flag))
    {
        bail!("{flag} only applies to --stage distributed");
    }
    if distributed {
        return fit_distributed(&args);
    }
    let points = read_points(&args.input)?;
    // Fail before a long fit, not after it, when the result cannot be written.
    let out = args.out.as_deref().map(create_file).transpose()?;
    let params = params_from_args(&args, points.d())?;
    let view = points.view();
    let run = timed_fit(stage, view, &params, args.repeat)?;
    let initial = ladder_core::init::initial_centers(view, &params);
    report_fit(&args, out, stage.name(), view.n(), &params, &initial, run)
}

/// The fit's parameters from the arguments, for points of `d` features.
fn params_from_args(args: &FitArgs, d: usize) -> Result<FitParams> {
    let mut params = FitParams::new(0)
        .init(args.init)
        .seed(args.seed)
        .max_iter(args.max_iter);
    params.run_all_iterations = args.no_early_stop;
    params.k = match (&args.init_centers, args.k) {
        (None, Some(k)) => k,
        (None, None) => bail!("--k is required: give the number of clusters, e.g. --k 10"),
        (Some(path), k) => {
            let centers = read_points(path)?;
            if centers.d() != d {
                bail!(
                    "{}: the initial centers have {} features but the points have {d}; give centers with {d} columns",
                    path.display(),
                    centers.d(),
                );
            }
            if let Some(k) = k.filter(|&k| k != centers.n()) {
                bail!(
                    "{}: --k {k} but the file has {} initial centers; drop --k or make them agree",
                    path.display(),
                    centers.n()
                );
            }
            let k = centers.n();
            params = params.initial_centers(centers.into_vec());
            k
        }
    };
    Ok(params)
}

/// Prints a fit's summary and writes its JSON record.
fn report_fit(
    args: &FitArgs,
    out: Option<std::fs::File>,
    stage: &str,
    n: usize,
    params: &FitParams,
    initial: &[f64],
    run: crate::run::TimedFit,
) -> Result<()> {
    let input = args.input.display().to_string();
    let record = FitRecord::new(stage, &input, n, params, initial, run);
    println!("{}", record.summary());
    if let (Some(file), Some(path)) = (out, &args.out) {
        let mut writer = BufWriter::new(file);
        serde_json::to_writer(&mut writer, &record)
            .map_err(std::io::Error::from)
            .and_then(|()| writer.write_all(b"\n"))
            .and_then(|()| writer.flush())
            .with_context(|| path.display().to_string())?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// `--stage distributed`: a `.npy` input is read by every worker, chunk by chunk (out of
/// core); a CSV input is read into memory first. In a cluster only process 0 reports.
fn fit_distributed(args: &FitArgs) -> Result<()> {
    let workers = args.workers.unwrap_or(2);
    if workers == 0 {
        bail!("--workers must be at least 1");
    }
    let cluster = match (&args.hosts, args.process) {
        (None, None) => Cluster::Local { workers },
        (Some(path), Some(process)) => Cluster::Hosts {
            hosts: read_hostfile(path)?,
            process,
            workers,
        },
        (Some(_), None) => {
            bail!("--hosts needs --process I: which line of the hostfile this process is")
        }
        (None, Some(_)) => bail!("--process needs --hosts FILE: the cluster's host:port lines"),
    };
    let timeout = args
        .timeout
        .unwrap_or(Distributed::DEFAULT_TIMEOUT.as_secs_f64());
    if !(timeout > 0.0 && timeout.is_finite()) {
        bail!("--timeout must be a positive number of seconds");
    }
    let stage = Distributed {
        cluster,
        chunk_rows: args.chunk_rows.unwrap_or(Distributed::DEFAULT_CHUNK_ROWS),
        timeout: std::time::Duration::from_secs_f64(timeout),
        cpus: args.cpus.clone(),
    };
    let is_process_0 = args.process.unwrap_or(0) == 0;
    let out = match is_process_0 {
        true => args.out.as_deref().map(create_file).transpose()?,
        false => None,
    };
    let source = match npy_layout(&args.input) {
        Ok(layout) => Source::File {
            path: args.input.clone(),
            layout,
        },
        Err(_) => {
            let points = read_points(&args.input)?;
            Source::Memory {
                d: points.d(),
                data: std::sync::Arc::new(points.into_vec()),
            }
        }
    };
    let (n, d) = match &source {
        Source::File { layout, .. } => (layout.n, layout.d),
        Source::Memory { data, d } => (data.len() / d, *d),
    };
    let params = params_from_args(args, d)?;
    // Checked (and a file read) once, however many fits follow.
    let prepared = Prepared::new(source, &params)?;
    if !is_process_0 {
        // Process 0 fits 1 + repeat times; every process must take part in each fit.
        for _ in 0..=args.repeat {
            stage.fit_prepared(&prepared)?;
        }
        println!(
            "process {} of the cluster: done (process 0 has the result)",
            args.process.unwrap_or(0)
        );
        return Ok(());
    }
    let run = crate::run::timed("distributed", args.repeat, || {
        stage
            .fit_prepared(&prepared)?
            .context("process 0 returned no result")
    })?;
    let initial = prepared.initial_centers();
    report_fit(args, out, "distributed", n, &params, initial, run)
}
