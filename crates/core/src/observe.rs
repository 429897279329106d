//! Watching a fit's passes from outside, for a progress bar: a process-wide observer
//! that [`crate::Lloyd`] calls at the end of every pass of every fit. Nothing is
//! observed until one is installed; then it costs one call per pass.

use std::sync::OnceLock;

/// One pass just ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PassDone {
    /// Passes done so far in this fit, this one included (from 1).
    pub iteration: usize,
    /// The fit's bound on passes.
    pub max_iter: usize,
    /// This pass's seconds, assignment and update.
    pub seconds: f64,
    /// Whether this pass's update changed nothing.
    pub converged: bool,
}

type Observer = Box<dyn Fn(&PassDone) + Send + Sync>;

static OBSERVER: OnceLock<Observer> = OnceLock::new();

/// An observer was already installed; there is one per process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a pass observer is already installed")]
pub struct AlreadyObserved;

/// Installs `observer`, called at the end of every pass of every fit from now on, on
/// the thread that drives the fit.
pub fn observe_passes(
    observer: impl Fn(&PassDone) + Send + Sync + 'static,
) -> Result<(), AlreadyObserved> {
    OBSERVER
        .set(Box::new(observer))
        .map_err(|_| AlreadyObserved)
}

/// Tells the observer, if there is one, that a pass ended.
pub(crate) fn pass_done(pass: PassDone) {
    if let Some(observer) = OBSERVER.get() {
        observer(&pass);
    }
}
