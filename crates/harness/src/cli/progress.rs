//! What the CLI says besides its results: notes and verbose details on stderr, and an
//! indicatif bar for work that lasts (a fit's passes, a blob generation). A bar shows
//! only once its work has run for [`SHOW_AFTER`], only when stderr is a terminal
//! (indicatif hides it otherwise), without colour under `NO_COLOR` (console's rule),
//! and never with `--quiet`.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ladder_core::PassDone;

use super::args::Verbosity;
use crate::run::seconds;

/// Work shorter than this gets no bar.
pub const SHOW_AFTER: Duration = Duration::from_secs(1);

/// The bar of the work under way, which the pass observer moves.
static CURRENT: OnceLock<Mutex<Option<ProgressBar>>> = OnceLock::new();

fn current() -> &'static Mutex<Option<ProgressBar>> {
    CURRENT.get_or_init(|| Mutex::new(None))
}

/// How much the CLI says, and where.
#[derive(Debug, Clone, Copy, Default)]
pub struct Voice {
    verbosity: Verbosity,
}

impl Voice {
    /// The voice `--quiet` / `--verbose` ask for; installs the pass observer that moves
    /// bars (and, verbose, prints each pass).
    pub fn new(verbosity: Verbosity) -> Self {
        if !verbosity.quiet {
            let verbose = verbosity.verbose;
            // Only this function installs an observer; a second call finds it there.
            let _ = ladder_core::observe_passes(move |pass| on_pass(pass, verbose));
        }
        Self { verbosity }
    }

    /// A result for stdout, unless quiet.
    pub fn say(&self, text: &str) {
        if !self.verbosity.quiet {
            println!("{text}");
        }
    }

    /// Something the user should know about their input, on stderr, unless quiet.
    pub fn note(&self, text: &str) {
        if !self.verbosity.quiet {
            eprintln!("ladder: note: {text}");
        }
    }

    /// A detail for `--verbose`, on stderr.
    pub fn detail(&self, text: &str) {
        if self.verbosity.verbose {
            eprintln!("ladder: {text}");
        }
    }

    /// A bar for a fit of at most `max_iter` passes called `what`, shown if it lasts;
    /// cleared when the returned guard drops.
    pub fn fit_bar(&self, what: &str, max_iter: usize) -> Bar {
        let style = ProgressStyle::with_template(
            "{prefix} {bar:30.cyan/blue} pass {pos}/{len} · {msg} · {elapsed}",
        )
        .expect("a valid template");
        self.bar(ProgressBar::new(max_iter as u64).with_style(style), what)
    }

    /// A spinner for work of unknown length called `what`, shown if it lasts.
    pub fn spinner(&self, what: &str) -> Bar {
        let style = ProgressStyle::with_template("{spinner} {prefix} · {elapsed}")
            .expect("a valid template");
        self.bar(ProgressBar::new_spinner().with_style(style), what)
    }

    fn bar(&self, bar: ProgressBar, what: &str) -> Bar {
        if self.verbosity.quiet {
            return Bar { stop: None };
        }
        bar.set_draw_target(ProgressDrawTarget::hidden());
        bar.set_prefix(what.to_string());
        *current().lock().expect("no panic while holding the bar") = Some(bar.clone());
        let (stop, stopped) = mpsc::channel::<()>();
        let shown = bar.clone();
        let painter = std::thread::spawn(move || {
            if stopped.recv_timeout(SHOW_AFTER) == Err(RecvTimeoutError::Timeout) {
                shown.set_draw_target(ProgressDrawTarget::stderr());
                shown.enable_steady_tick(Duration::from_millis(200));
                let _ = stopped.recv();
            }
            shown.finish_and_clear();
        });
        Bar {
            stop: Some((stop, painter)),
        }
    }
}

/// A bar's life: dropping it clears the bar (and waits until it is cleared, so that
/// what is printed next is not drawn over).
#[derive(Debug)]
pub struct Bar {
    stop: Option<(mpsc::Sender<()>, std::thread::JoinHandle<()>)>,
}

impl Drop for Bar {
    fn drop(&mut self) {
        if let Some((stop, painter)) = self.stop.take() {
            current()
                .lock()
                .expect("no panic while holding the bar")
                .take();
            let _ = stop.send(());
            let _ = painter.join();
        }
    }
}

/// The pass observer: moves the current bar, and prints the pass when verbose.
fn on_pass(pass: &PassDone, verbose: bool) {
    let guard = current().lock();
    let Some(bar) = guard.as_ref().ok().and_then(|b| b.as_ref()) else {
        return;
    };
    bar.set_length(pass.max_iter as u64);
    bar.set_position(pass.iteration as u64);
    bar.set_message(format!("last pass {}", seconds(pass.seconds)));
    if verbose {
        let converged = if pass.converged { ", converged" } else { "" };
        bar.suspend(|| {
            eprintln!(
                "ladder: pass {}: {}{converged}",
                pass.iteration,
                seconds(pass.seconds)
            )
        });
    }
}
