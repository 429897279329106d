//! What the CLI says besides its results: notes and verbose details on stderr, and an
//! indicatif bar for work that lasts (a fit's passes, a blob generation). A bar shows
//! only once its work has run for [`SHOW_AFTER`], only when stderr is a terminal
//! (indicatif hides it otherwise), without colour under `NO_COLOR` (console's rule),
//! and never with `--quiet`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ladder_core::PassDone;

use super::args::Verbosity;
use crate::run::seconds;

/// Work shorter than this gets no bar.
pub const SHOW_AFTER: Duration = Duration::from_secs(1);

/// How often a shown bar is redrawn.
const TICK: Duration = Duration::from_millis(200);

/// The last pass of the fit under way: passes done, the bound on them, its seconds (as
/// bits). The pass observer stores them; a fit's bar draws them.
static LAST_PASS: [AtomicU64; 3] = [const { AtomicU64::new(0) }; 3];

/// The bar of the work under way, above which `--verbose` prints each pass.
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
        for (value, now) in LAST_PASS.iter().zip([0, max_iter as u64, 0]) {
            value.store(now, Ordering::Relaxed);
        }
        let bar = ProgressBar::new(max_iter as u64).with_style(style);
        self.bar(bar, what, true)
    }

    /// A spinner for work of unknown length called `what`, shown if it lasts.
    pub fn spinner(&self, what: &str) -> Bar {
        let style = ProgressStyle::with_template("{spinner} {prefix} · {elapsed}")
            .expect("a valid template");
        self.bar(ProgressBar::new_spinner().with_style(style), what, false)
    }

    /// `bar` hidden, and a painter thread that shows it after [`SHOW_AFTER`] and redraws
    /// it every [`TICK`] (a fit's from [`LAST_PASS`]) until the guard drops.
    fn bar(&self, bar: ProgressBar, what: &str, fit: bool) -> Bar {
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
                loop {
                    match fit {
                        true => draw_pass(&shown),
                        false => shown.tick(),
                    }
                    if stopped.recv_timeout(TICK) != Err(RecvTimeoutError::Timeout) {
                        break;
                    }
                }
            }
            shown.finish_and_clear();
        });
        Bar {
            stop: Some((stop, painter)),
        }
    }
}

/// The last pass a fit ended, as the observer left it: what a fit's bar draws.
fn draw_pass(bar: &ProgressBar) {
    let [iteration, max_iter, seconds_bits] =
        LAST_PASS.each_ref().map(|v| v.load(Ordering::Relaxed));
    bar.set_length(max_iter);
    bar.set_position(iteration);
    if iteration > 0 {
        bar.set_message(format!(
            "last pass {}",
            seconds(f64::from_bits(seconds_bits))
        ));
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

/// The pass observer, on the fit's own thread between its passes: three relaxed stores
/// for the painter to read, and with `--verbose` the pass printed (above the bar).
fn on_pass(pass: &PassDone, verbose: bool) {
    let now = [
        pass.iteration as u64,
        pass.max_iter as u64,
        pass.seconds.to_bits(),
    ];
    for (value, now) in LAST_PASS.iter().zip(now) {
        value.store(now, Ordering::Relaxed);
    }
    if !verbose {
        return;
    }
    let converged = if pass.converged { ", converged" } else { "" };
    let line = format!(
        "ladder: pass {}: {}{converged}",
        pass.iteration,
        seconds(pass.seconds)
    );
    match current().lock().ok().as_ref().and_then(|bar| bar.as_ref()) {
        Some(bar) => bar.suspend(|| eprintln!("{line}")),
        None => eprintln!("{line}"),
    }
}
