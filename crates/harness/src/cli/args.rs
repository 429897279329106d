//! The `ladder` command line's arguments, as clap parses them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use ladder_blobs::Generator;
use ladder_blobs::io::{Delimiter, Input};
use ladder_core::{FitParams, Init};
use ladder_distributed::{CpuList, Distributed, Settings};
use ladder_pruned::Pruning;

/// What `ladder --help` ends with.
const EXIT_CODES: &str = "\
Exit status:
  0  success
  1  a failure while running (a cluster process died, a write failed mid-way)
  2  a usage or input problem: arguments, missing, unreadable or malformed files,
     bad values, k larger than the number of points, outputs that cannot be written
  3  ladder compare: a row regressed beyond --threshold
  130  interrupted (Ctrl-C); temporary files of outputs under way are removed

Every error is one line on stderr that names the file or option, says what is wrong
and how to fix it. Outputs are written whole or not at all.";

/// Lloyd's k-means, rung by rung: generate blob data, fit it with any stage (or every
/// stage), assign new points to a fitted model, list stages, compare runs.
#[derive(Debug, Parser)]
#[command(name = "ladder", version, after_help = EXIT_CODES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// How much to say.
    #[command(flatten)]
    pub verbosity: Verbosity,
}

/// `--quiet` and `--verbose`, for every subcommand.
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct Verbosity {
    /// Print nothing but errors (no summary, notes or progress bar); files are still
    /// written.
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Also say how the input was read and each pass's time, on stderr.
    #[arg(long, short, global = true)]
    pub verbose: bool,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate blob data: scikit-learn's make_blobs, bit for bit with --generator numpy.
    Blobs(BlobsArgs),
    /// Fit k-means to points from a .npy or CSV file (or stdin) and report the result;
    /// --stage all runs every stage and prints their speedup table.
    Fit(FitArgs),
    /// Assign new points to the centers of a `ladder fit --out` result.
    Predict(PredictArgs),
    /// List the stages of the ladder.
    Stages,
    /// Run `ladder fit --stage distributed` as a cluster of processes on this machine.
    Cluster(ClusterArgs),
    /// Compare two runs of the report (results.json): each row's change, and exit 3 when
    /// a row slowed significantly by more than --threshold.
    Compare(CompareArgs),
}

/// `ladder compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The earlier run's results.json.
    pub old: PathBuf,
    /// The later run's results.json.
    pub new: PathBuf,
    /// Percent: a row whose intervals do not overlap and whose median grew by more than
    /// this is a regression (exit status 3).
    #[arg(long, value_name = "PERCENT", default_value_t = 10.0, value_parser = percent)]
    pub threshold: f64,
}

/// A non-negative, finite percentage.
fn percent(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(p) if p.is_finite() && p >= 0.0 => Ok(p),
        _ => Err(format!("{s:?} is not a percentage (a number ≥ 0, e.g. 10)")),
    }
}

/// `ladder blobs`.
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

/// Where points come from and how CSV is split: `ladder fit` and `ladder predict`.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Points: a .npy file (float64 or float32, C or Fortran order; 1-D is one feature)
    /// or CSV, one point per row; `-` reads either from stdin.
    #[arg(long, value_name = "FILE")]
    pub input: Input,
    /// The CSV delimiter: comma, tab, semicolon or whitespace [default: detected].
    #[arg(long, value_name = "D")]
    pub delimiter: Option<Delimiter>,
    /// Write each point's cluster: .npy (int64) or .csv (one per line).
    #[arg(long, value_name = "FILE")]
    pub labels_out: Option<PathBuf>,
}

/// `ladder predict`.
#[derive(Debug, Args)]
pub struct PredictArgs {
    /// A `ladder fit --out` result (its centers are used).
    #[arg(long, value_name = "FILE")]
    pub model: PathBuf,
    /// The points to assign, and where their labels go.
    #[command(flatten)]
    pub input: InputArgs,
}

/// `ladder fit`.
#[derive(Debug, Args)]
pub struct FitArgs {
    /// The points, and where their labels go.
    #[command(flatten)]
    pub input: InputArgs,
    /// Number of clusters (may be left out with --init-centers, which then sets it).
    #[arg(long, value_name = "K")]
    pub k: Option<usize>,
    /// Which stage fits (see `ladder stages`), or `all`: every stage from the same initial
    /// centers, checked to agree, with a speedup table.
    #[arg(long, default_value = "naive")]
    pub stage: String,
    /// Initial centers: last-k (the seed's points[-k:]), first-k, random, kmeans++.
    #[arg(long, default_value = "last-k")]
    pub init: Init,
    /// Start from these centers instead (.npy or CSV, k rows of d values; - for stdin).
    #[arg(long, value_name = "FILE", conflicts_with = "init")]
    pub init_centers: Option<Input>,
    /// Seed of the random and kmeans++ inits.
    #[arg(long, value_name = "X", default_value_t = 0)]
    pub seed: u64,
    /// Stop after this many assignment passes if not converged.
    #[arg(long, value_name = "M", default_value_t = FitParams::DEFAULT_MAX_ITER)]
    pub max_iter: usize,
    /// Fit once to warm up, then R more times, and report min and median seconds (0: the
    /// one fit's time).
    #[arg(long, value_name = "R", default_value_t = 0)]
    pub repeat: usize,
    /// Write the full result (labels, centers, timings) as JSON (schema_version 1; the
    /// model `ladder predict` reads).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Write the final centers: .npy or .csv, k rows of d values.
    #[arg(long, value_name = "FILE")]
    pub centers_out: Option<PathBuf>,
    /// Run all --max-iter passes even after convergence (for timing a fixed number).
    #[arg(long)]
    pub no_early_stop: bool,
    /// The pruned stage's options.
    #[command(flatten)]
    pub pruned: PrunedArgs,
    /// The distributed stage's options.
    #[command(flatten)]
    pub distributed: DistributedArgs,
}

/// The options of `--stage pruned`; any other stage refuses them.
#[derive(Debug, Args)]
#[command(next_help_heading = "Options of --stage pruned")]
pub struct PrunedArgs {
    /// The bounds it keeps: auto (hamerly below 6 features, yinyang from 6), hamerly, yinyang
    /// or elkan.
    #[arg(long, value_name = "METHOD", default_value = "auto")]
    pub pruning: Pruning,
}

/// The options of `--stage distributed`; any other stage refuses them.
#[derive(Debug, Args)]
#[command(next_help_heading = "Options of --stage distributed")]
pub struct DistributedArgs {
    /// Worker threads per process.
    #[arg(long, value_name = "N", default_value_t = Distributed::DEFAULT_WORKERS)]
    pub workers: usize,
    /// Rows per chunk.
    #[arg(long, value_name = "ROWS", default_value_t = Distributed::DEFAULT_CHUNK_ROWS)]
    pub chunk_rows: usize,
    /// The cluster's hostfile, one host:port per process.
    #[arg(long, value_name = "FILE")]
    pub hosts: Option<PathBuf>,
    /// Which line of the hostfile this process is (0-based).
    #[arg(long, value_name = "I")]
    pub process: Option<usize>,
    /// Give up (non-zero exit) when the fit, connecting included, takes longer.
    #[arg(long, value_name = "SECONDS", default_value_t = Distributed::DEFAULT_TIMEOUT.as_secs_f64())]
    pub timeout: f64,
    /// Run this process's workers and network threads on these CPUs only (e.g. 0,1 or
    /// 2-3), as `mpirun --bind-to core` does; give each process of a cluster on one
    /// machine its own [default: any CPU].
    #[arg(long, value_name = "LIST")]
    pub cpus: Option<CpuList>,
}

impl DistributedArgs {
    /// The settings these arguments give.
    pub fn settings(&self) -> Settings {
        Settings {
            workers: self.workers,
            chunk_rows: self.chunk_rows,
            hosts: self.hosts.clone(),
            process: self.process,
            timeout_seconds: self.timeout,
            cpus: self.cpus.as_ref().map(|c| c.0.clone()),
        }
    }
}

/// `ladder cluster`.
#[derive(Debug, Args)]
pub struct ClusterArgs {
    /// Process 0's port on 127.0.0.1; the others follow it [default: free ports].
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,
    /// Leave the processes unbound (by default each gets its own share of the CPUs when
    /// a share has a CPU per worker).
    #[arg(long)]
    pub no_bind: bool,
    /// How many processes.
    #[arg(value_name = "PROCESSES")]
    pub processes: usize,
    /// The arguments of `ladder fit` (all but --stage, --hosts and --process); only
    /// process 0 writes --out.
    #[arg(
        value_name = "FIT ARGUMENTS",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub fit: Vec<String>,
}
