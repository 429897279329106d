use crate::{Fit, FitError, FitParams, Points};

/// One rung of the ladder. Every stage fits by the contract in the crate docs and returns
/// the same labels and iterations as `naive`; they differ only in how fast, and why.
pub trait Stage: Send + Sync {
    /// The name users type: `ladder fit --stage NAME`.
    fn name(&self) -> &'static str;

    /// One line: what this rung adds over the one before.
    fn summary(&self) -> &'static str;

    /// Fits `params.k` clusters to `points`. Input problems come back as [`FitError`]
    /// before any work is done; a stage never panics on user input.
    fn fit(&self, points: Points<'_>, params: &FitParams) -> Result<Fit, FitError>;
}
