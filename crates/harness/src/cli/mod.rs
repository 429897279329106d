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

pub use args::{BlobsArgs, Cli, ClusterArgs, Command, DistributedArgs, FitArgs};

use crate::stages;

/// A parsed command line.
#[derive(Debug)]
pub struct Invocation {
    /// The arguments.
    pub cli: Cli,
    /// For `ladder fit`: the first distributed-only flag given on the command line.
    pub distributed_flag: Option<String>,
}

/// Parses a command line (`args` starts with the program's name).
pub fn parse<I, T>(args: I) -> Result<Invocation, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let matches = Cli::command().try_get_matches_from(args)?;
    let cli = Cli::from_arg_matches(&matches)?;
    let distributed_flag = matches
        .subcommand_matches("fit")
        .and_then(first_distributed_flag);
    Ok(Invocation {
        cli,
        distributed_flag,
    })
}

/// The first of [`DistributedArgs`]' flags that the command line gave (a default does
/// not count), as `--name`.
fn first_distributed_flag(fit: &ArgMatches) -> Option<String> {
    let group = DistributedArgs::augment_args(clap::Command::new("distributed"));
    group.get_arguments().find_map(|arg| {
        let given = fit.value_source(arg.get_id().as_str()) == Some(ValueSource::CommandLine);
        given.then(|| format!("--{}", arg.get_long().unwrap_or(arg.get_id().as_str())))
    })
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
pub fn run(invocation: Invocation) -> Result<()> {
    match invocation.cli.command {
        Command::Blobs(args) => blobs(args),
        Command::Fit(args) => fit::fit(&args, invocation.distributed_flag),
        Command::Cluster(args) => cluster::cluster(&args),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_flags_given_on_the_command_line_count_as_given() {
        let parse = |extra: &[&str]| {
            let mut args = vec!["ladder", "fit", "--input", "p.npy", "--k", "3"];
            args.extend_from_slice(extra);
            parse(args).unwrap().distributed_flag
        };
        assert_eq!(parse(&[]), None);
        assert_eq!(parse(&["--stage", "parallel"]), None);
        assert_eq!(
            parse(&["--chunk-rows", "10"]).as_deref(),
            Some("--chunk-rows")
        );
        assert_eq!(parse(&["--cpus", "0"]).as_deref(), Some("--cpus"));
        assert_eq!(parse(&["--timeout", "600"]).as_deref(), Some("--timeout"));
    }
}
