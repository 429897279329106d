//! `ladder`: parse the arguments, call the harness, and turn any error into one line on
//! stderr and a non-zero exit.

use std::process::ExitCode;

use clap::Parser;
use ladder_harness::cli::{Cli, run};

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // `{:#}` puts the whole chain of causes on one line.
            eprintln!("ladder: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
