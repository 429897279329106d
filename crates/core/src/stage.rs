//! The trait every rung implements.

use crate::{Checked, Fit, FitParams, Points, StageError};

/// One rung of the ladder. Every stage fits by the contract in the crate docs and returns
/// the same labels and iterations as `naive`; they differ only in how fast, and why.
pub trait Stage: Send + Sync {
    /// The name users type: `ladder fit --stage NAME`.
    fn name(&self) -> &'static str;

    /// One line: what this rung adds over the one before.
    fn summary(&self) -> &'static str;

    /// Fits the checked points from their initial centers. An in-memory rung cannot fail
    /// here; an engine can ([`StageError::Engine`]).
    fn fit_checked(&self, checked: &Checked<'_>) -> Result<Fit, StageError>;

    /// Checks `params` against `points` ([`FitParams::check`]) and fits. Input problems
    /// come back as [`StageError::Input`] before any work is done; a stage never panics
    /// on user input.
    fn fit(&self, points: Points<'_>, params: &FitParams) -> Result<Fit, StageError> {
        self.fit_checked(&params.check(points)?)
    }
}
