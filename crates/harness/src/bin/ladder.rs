//! `ladder`: parse the arguments, call the harness, and turn any error into one line on
//! stderr and a non-zero exit.

use std::process::ExitCode;

use clap::Parser;
use ladder_harness::cli::{Cli, one_line, run};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) if !err.use_stderr() => err.exit(), // --help, --version
        Err(err) => {
            eprintln!("ladder: error: {}", one_line(&err));
            return ExitCode::from(2);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // `{:#}` puts the whole chain of causes on one line.
            eprintln!("ladder: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
