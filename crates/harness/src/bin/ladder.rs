//! `ladder`: parse the arguments, call the harness, and turn any error into one line on
//! stderr and a non-zero exit: 2 for usage and input errors, 1 for failures while
//! running, 3 when `ladder compare` finds a regression, 130 when interrupted (after
//! removing the temporary files of outputs under way).

use std::process::ExitCode;
use std::sync::OnceLock;

use ladder_harness::cli::{InputError, Status, one_line, parse, run};
use ladder_harness::memory::Counting;

/// The harness's allocator (mimalloc; see `ladder_harness::memory` for why), as every
/// bench runs on too.
#[global_allocator]
static ALLOC: Counting = Counting;

/// The first panic of any thread (a distributed fit's network thread when a peer dies),
/// kept to explain the error instead of printed as a backtrace.
static FIRST_PANIC: OnceLock<String> = OnceLock::new();

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        let _ = FIRST_PANIC.set(message.lines().next().unwrap_or_default().to_string());
    }));
    // Ctrl-C: no output is left half-written (they are renamed into place whole), and
    // not even their temporary files are left.
    let _ = ctrlc::set_handler(|| {
        ladder_blobs::io::remove_pending();
        eprintln!("ladder: interrupted; outputs not yet written were removed");
        std::process::exit(130);
    });
    let invocation = match parse(std::env::args_os()) {
        Ok(invocation) => invocation,
        Err(err) if !err.use_stderr() => err.exit(), // --help, --version
        Err(err) => {
            eprintln!("ladder: error: {}", one_line(&err));
            return ExitCode::from(2);
        }
    };
    match run(invocation) {
        Ok(Status::Done) => ExitCode::SUCCESS,
        Ok(Status::Regressed) => ExitCode::from(3),
        Err(err) if err.downcast_ref::<InputError>().is_some() => {
            eprintln!("ladder: error: {err:#}");
            ExitCode::from(2)
        }
        Err(err) => {
            // `{:#}` puts the whole chain of causes on one line.
            match FIRST_PANIC.get() {
                Some(panic) => eprintln!("ladder: error: {err:#} (first failure: {panic})"),
                None => eprintln!("ladder: error: {err:#}"),
            }
            ExitCode::FAILURE
        }
    }
}
