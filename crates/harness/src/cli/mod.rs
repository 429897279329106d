//! The `ladder` command line: its arguments (`args.rs`, clap) and what each subcommand
//! does (`fit.rs`, `cluster.rs`, and `blobs` and `stages` here). The binary only calls
//! [`parse`] and [`run`].

mod args;
mod cluster;
mod fit;

use std::ffi::OsString;

use anyhow::Result;
use clap::parser::ValueSource;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches};
use ladder_blobs::io::{write_labels_npy, write_points};
use ladder_blobs::{BlobSpec, make_blobs};

pub use args::{
    BlobsArgs, Cli, ClusterArgs, Command, CompareArgs, DistributedArgs, FitArgs, PrunedArgs,
};

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
    match invocation.cli.command {
        Command::Blobs(args) => done(blobs(args)),
        Command::Fit(args) => done(fit::fit(&args, invocation.given)),
        Command::Cluster(args) => done(cluster::cluster(&args)),
        Command::Compare(args) => compare_runs(&args),
        Command::Stages => {
            for stage in stages::all() {
                println!("{:<20} {}", stage.name(), stage.summary());
            }
            Ok(Status::Done)
        }
    }
}

fn compare_runs(args: &CompareArgs) -> Result<Status> {
    let read = |p: &std::path::Path| compare::read_report(p).map_err(InputError);
    let (old, new) = (read(&args.old)?, read(&args.new)?);
    let threshold = args.threshold / 100.0;
    let (changes, only) = compare::changes(&old, &new);
    println!(
        "{} ({}) → {} ({})\n",
        args.old.display(),
        old.machine.commit,
        args.new.display(),
        new.machine.commit
    );
    print!("{}", compare::table(&changes, threshold).to_markdown());
    for name in only {
        println!("{name}: in one run only, not compared");
    }
    let regressed: Vec<&str> = changes
        .iter()
        .filter(|c| c.verdict(threshold) == compare::Verdict::Regressed)
        .map(|c| c.name.as_str())
        .collect();
    if regressed.is_empty() {
        println!(
            "\nNo row slowed beyond {}% with intervals apart.",
            args.threshold
        );
        return Ok(Status::Done);
    }
    println!(
        "\nRegressed beyond {}%: {}.",
        args.threshold,
        regressed.join(", ")
    );
    Ok(Status::Regressed)
}

fn blobs(args: BlobsArgs) -> Result<()> {
    let spec = BlobSpec::new(args.samples, args.centers)
        .features(args.features)
        .std(args.std)
        .seed(args.seed)
        .shuffle(!args.no_shuffle);
    let input = |e: anyhow::Error| anyhow::Error::from(InputError(e));
    let blobs = make_blobs(&spec, args.generator).map_err(|e| input(e.into()))?;
    write_points(&args.out, &blobs.points).map_err(|e| input(e.into()))?;
    if let Some(path) = &args.labels_out {
        write_labels_npy(path, &blobs.labels).map_err(|e| input(e.into()))?;
    }
    if let Some(path) = &args.centers_out {
        write_points(path, &blobs.centers).map_err(|e| input(e.into()))?;
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
