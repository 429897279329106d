//! The `ladder` command line: its arguments (`args.rs`, clap) and what each subcommand
//! does (`fit.rs`, `all.rs` for `--stage all`, `predict.rs`, `cluster.rs`, and `blobs`,
//! `stages` and `compare` here); what it says besides results is `progress.rs`. The
//! binary only calls [`parse`] and [`run`].

mod all;
mod args;
mod cluster;
mod fit;
mod predict;
mod progress;

use std::ffi::OsString;

use anyhow::Result;
use clap::parser::ValueSource;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches};
use ladder_blobs::io::{Output, ReadOptions, read_input};
use ladder_blobs::{BlobSpec, check_spec, make_blobs};
use ladder_core::Matrix;

pub use args::{
    BlobsArgs, Cli, ClusterArgs, Command, CompareArgs, DistributedArgs, FitArgs, InputArgs,
    PredictArgs, PrunedArgs, Verbosity,
};
use progress::Voice;

use crate::compare;
use crate::stages::{self, OptionGroup};

/// How a command that ran to its end came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// It did what was asked.
    Done,
    /// `ladder compare` found a regression (exit status 3).
    Regressed,
}

/// An error in what the user gave (a file that cannot be read or is not what it should
/// be): exit status 2, like a usage error, rather than 1.
#[derive(Debug, thiserror::Error)]
#[error("{0:#}")]
pub struct InputError(pub anyhow::Error);

/// `r`'s error, if any, as the user's: what they gave is wrong (exit status 2).
fn input<T, E: Into<anyhow::Error>>(r: Result<T, E>) -> Result<T> {
    r.map_err(|e| InputError(e.into()).into())
}

/// A problem with the points of the input called `name`, as the user's error naming it.
fn about<E: std::fmt::Display>(name: &ladder_blobs::io::Input) -> impl Fn(E) -> anyhow::Error + '_ {
    move |e| InputError(anyhow::anyhow!("{name}: {e}")).into()
}

/// The points `args` name, read with its delimiter; a note on stderr when the input was
/// read in a way the user should know (a 1-D array), and how it was read when verbose.
fn load(args: &InputArgs, voice: &Voice) -> Result<Matrix> {
    let options = ReadOptions {
        delimiter: args.delimiter,
    };
    let loaded = input(read_input(&args.input, &options))?;
    let name = args.input.name();
    if let Some(note) = loaded.note(name) {
        voice.note(&note);
    }
    let (n, d) = (loaded.points.n(), loaded.points.d());
    voice.detail(&format!(
        "{}: {}; {n} points × {d} features",
        name.display(),
        loaded.format
    ));
    Ok(loaded.points)
}

/// A parsed command line.
#[derive(Debug)]
pub struct Invocation {
    /// The arguments.
    pub cli: Cli,
    /// For `ladder fit`: the stage-specific flags given on the command line.
    pub given: Vec<(OptionGroup, String)>,
}

/// Parses a command line (`args` starts with the program's name).
pub fn parse<I, T>(args: I) -> Result<Invocation, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let matches = Cli::command().try_get_matches_from(args)?;
    let cli = Cli::from_arg_matches(&matches)?;
    let given = match matches.subcommand_matches("fit") {
        Some(fit) => [
            (OptionGroup::Pruned, given::<PrunedArgs>(fit)),
            (OptionGroup::Distributed, given::<DistributedArgs>(fit)),
        ]
        .into_iter()
        .flat_map(|(group, flags)| flags.into_iter().map(move |f| (group, f)))
        .collect(),
        None => Vec::new(),
    };
    Ok(Invocation { cli, given })
}

/// The flags of the group `A` that the command line gave (a default does not count),
/// as `--name`.
fn given<A: Args>(fit: &ArgMatches) -> Vec<String> {
    let group = A::augment_args(clap::Command::new("group"));
    group
        .get_arguments()
        .filter(|arg| fit.value_source(arg.get_id().as_str()) == Some(ValueSource::CommandLine))
        .map(|arg| format!("--{}", arg.get_long().unwrap_or(arg.get_id().as_str())))
        .collect()
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
pub fn run(invocation: Invocation) -> Result<Status> {
    let done = |r: Result<()>| r.map(|()| Status::Done);
    let voice = Voice::new(invocation.cli.verbosity);
    match invocation.cli.command {
        Command::Blobs(args) => done(blobs(args, &voice)),
        Command::Fit(args) => done(fit::fit(&args, invocation.given, &voice)),
        Command::Predict(args) => done(predict::predict(&args, &voice)),
        Command::Cluster(args) => done(cluster::cluster(&args)),
        Command::Compare(args) => compare_runs(&args, &voice),
        Command::Stages => {
            for stage in stages::all() {
                voice.say(&format!("{:<20} {}", stage.name(), stage.summary()));
            }
            Ok(Status::Done)
        }
    }
}

fn compare_runs(args: &CompareArgs, voice: &Voice) -> Result<Status> {
    let read = |p: &std::path::Path| compare::read_report(p).map_err(InputError);
    let (old, new) = (read(&args.old)?, read(&args.new)?);
    let threshold = args.threshold / 100.0;
    let (changes, only) = compare::changes(&old, &new);
    let mut said = format!(
        "{} ({}) → {} ({})\n\n{}",
        args.old.display(),
        old.machine.commit,
        args.new.display(),
        new.machine.commit,
        compare::table(&changes, threshold).to_markdown()
    );
    for name in only {
        said += &format!("{name}: in one run only, not compared\n");
    }
    let regressed: Vec<&str> = changes
        .iter()
        .filter(|c| c.verdict(threshold) == compare::Verdict::Regressed)
        .map(|c| c.name.as_str())
        .collect();
    let (status, verdict) = match regressed.is_empty() {
        true => (
            Status::Done,
            format!(
                "No row slowed beyond {}% with intervals apart.",
                args.threshold
            ),
        ),
        false => (
            Status::Regressed,
            format!(
                "Regressed beyond {}%: {}.",
                args.threshold,
                regressed.join(", ")
            ),
        ),
    };
    voice.say(&format!("{said}\n{verdict}"));
    Ok(status)
}

fn blobs(args: BlobsArgs, voice: &Voice) -> Result<()> {
    let spec = BlobSpec::new(args.samples, args.centers)
        .features(args.features)
        .std(args.std)
        .seed(args.seed)
        .shuffle(!args.no_shuffle);
    // The spec is valid and every output can be created, or the user hears so before
    // any work.
    input(check_spec(&spec, args.generator))?;
    input(fits_in_memory(args.samples, args.features))?;
    let create = |path: Option<&std::path::Path>| input(path.map(Output::create).transpose());
    let out = create(Some(&args.out))?.expect("--out is required");
    let labels = create(args.labels_out.as_deref())?;
    let centers = create(args.centers_out.as_deref())?;
    let blobs = {
        let _spinner = voice.spinner("generating blobs");
        input(make_blobs(&spec, args.generator))?
    };
    {
        let _spinner = voice.spinner("writing");
        out.write_points(&blobs.points)?;
        if let Some(labels) = labels {
            labels.write_labels(&blobs.labels)?;
        }
        if let Some(centers) = centers {
            centers.write_points(&blobs.centers)?;
        }
    }
    voice.say(&format!(
        "wrote {} points × {} features ({} blobs, {} generator, seed {}) to {}",
        blobs.points.n(),
        blobs.points.d(),
        blobs.centers.n(),
        args.generator,
        args.seed,
        args.out.display()
    ));
    Ok(())
}

/// Whether `n` points of `d` features can be generated here: the points twice (the
/// shuffle copies them) and the labels, against the memory the kernel says is
/// available (`/proc/meminfo`; no limit where it cannot be read).
fn fits_in_memory(n: usize, d: usize) -> Result<()> {
    let need = (n as f64) * (2.0 * d as f64 + 1.0) * 8.0;
    let available = std::fs::read_to_string("/proc/meminfo").ok().and_then(|m| {
        let line = m.lines().find(|l| l.starts_with("MemAvailable:"))?;
        let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib * 1024.0)
    });
    match available {
        Some(free) if need > free => anyhow::bail!(
            "--samples {n} × --features {d} need about {:.1} GiB of memory, more than the {:.1} GiB available; generate fewer points",
            need / f64::from(1 << 30),
            free / f64::from(1 << 30)
        ),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_flags_given_on_the_command_line_count_as_given() {
        let parse = |extra: &[&str]| {
            let mut args = vec!["ladder", "fit", "--input", "p.npy", "--k", "3"];
            args.extend_from_slice(extra);
            let given = parse(args).unwrap().given;
            given.into_iter().map(|(_, flag)| flag).next()
        };
        assert_eq!(parse(&[]), None);
        assert_eq!(parse(&["--stage", "parallel"]), None);
        assert_eq!(
            parse(&["--chunk-rows", "10"]).as_deref(),
            Some("--chunk-rows")
        );
        assert_eq!(parse(&["--cpus", "0"]).as_deref(), Some("--cpus"));
        assert_eq!(parse(&["--timeout", "600"]).as_deref(), Some("--timeout"));
        assert_eq!(parse(&["--pruning", "auto"]).as_deref(), Some("--pruning"));
    }
}
