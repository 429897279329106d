//! The errors at the core's seams: [`FitError`] for what is wrong with a fit's input
//! (found before any work), [`StageError`] for what a stage's fit can return.

use thiserror::Error;

/// Everything that can be wrong with a fit's input. Each message says what is wrong and
/// how to fix it, in one line.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum FitError {
    /// The input has no rows.
    #[error("the input has no points; give at least k points")]
    NoPoints,
    /// Rows of zero features.
    #[error("the points have 0 features; give at least one column")]
    NoFeatures,
    /// A buffer that is not a whole number of rows.
    #[error("{len} values cannot be split into rows of {d} features; every row needs {d} values")]
    Ragged {
        /// Values in the buffer.
        len: usize,
        /// Features per row.
        d: usize,
    },
    /// `k = 0`.
    #[error("k must be at least 1; choose k between 1 and the number of points")]
    KZero,
    /// More clusters than points.
    #[error("k = {k} is larger than the number of points ({n}); choose k <= {n}")]
    KTooLarge {
        /// The clusters asked for.
        k: usize,
        /// The points there are.
        n: usize,
    },
    /// `max_iter = 0`.
    #[error("max_iter must be at least 1; it counts assignment passes")]
    MaxIterZero,
    /// NaN or an infinity among the coordinates.
    #[error(
        "row {row}, feature {col} is {value}: NaN and infinity cannot be clustered; drop or fix that row"
    )]
    NonFinite {
        /// The row, counted from 0 over the whole input.
        row: usize,
        /// The feature, counted from 0.
        col: usize,
        /// The value found.
        value: f64,
    },
    /// A coordinate beyond [`crate::MAX_ABS_COORDINATE`].
    #[error(
        "row {row}, feature {col} is {}: coordinates beyond ±{limit:e} overflow squared distances; rescale the data",
        short(*value)
    )]
    TooLarge {
        /// The row, counted from 0 over the whole input.
        row: usize,
        /// The feature, counted from 0.
        col: usize,
        /// The value found.
        value: f64,
        /// The limit it is beyond.
        limit: f64,
    },
    /// Given initial centers that are not `k × d` values.
    #[error(
        "the initial centers have {got} values, but k = {k} centers of d = {d} features need {}; give k rows of d values",
        k * d
    )]
    DimensionMismatch {
        /// The clusters asked for.
        k: usize,
        /// Features per point.
        d: usize,
        /// The values given.
        got: usize,
    },
    /// A value of the given initial centers is not valid (NaN, infinite or too large).
    #[error("initial centers: {0}")]
    BadInitialCenter(Box<FitError>),
}

/// `x` in short scientific form (`1e300`, `-1.2346e151`): a message stays short
/// whatever the value.
fn short(x: f64) -> String {
    let text = format!("{x:.4e}");
    match text.split_once('e') {
        Some((mantissa, exponent)) if mantissa.contains('.') => {
            let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
            format!("{mantissa}e{exponent}")
        }
        _ => text,
    }
}

impl FitError {
    /// The same error with its row number counted `first_row` rows further on: for a
    /// check of a block of rows that starts at row `first_row` of the whole input.
    pub fn offset_rows(self, first_row: usize) -> Self {
        match self {
            FitError::NonFinite { row, col, value } => FitError::NonFinite {
                row: row + first_row,
                col,
                value,
            },
            FitError::TooLarge {
                row,
                col,
                value,
                limit,
            } => FitError::TooLarge {
                row: row + first_row,
                col,
                value,
                limit,
            },
            other => other,
        }
    }
}

/// Why a stage's fit failed: its input (checked before any work, the same for every
/// stage), or the engine that ran it (a distributed engine's network, say). An in-memory
/// rung never fails after its input was checked.
#[derive(Debug, Error)]
pub enum StageError {
    /// The input is not valid; nothing was computed.
    #[error(transparent)]
    Input(#[from] FitError),
    /// The engine failed while fitting; `source` says how.
    #[error("stage {stage} failed")]
    Engine {
        /// The stage's name.
        stage: &'static str,
        /// What went wrong, kept with its own causes.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl StageError {
    /// The input error, if that is what this is.
    pub fn input(&self) -> Option<&FitError> {
        match self {
            StageError::Input(e) => Some(e),
            StageError::Engine { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_values_are_shown_short() {
        assert_eq!(short(1e300), "1e300");
        assert_eq!(short(-1.234567e151), "-1.2346e151");
        let err = FitError::TooLarge {
            row: 1,
            col: 0,
            value: 1e300,
            limit: 1e150,
        };
        assert!(
            err.to_string()
                .starts_with("row 1, feature 0 is 1e300: coordinates beyond ±1e150"),
            "{err}"
        );
    }

    #[test]
    fn row_offsets_move_only_row_numbers() {
        let e = FitError::NonFinite {
            row: 2,
            col: 1,
            value: f64::INFINITY,
        };
        assert_eq!(
            e.offset_rows(10),
            FitError::NonFinite {
                row: 12,
                col: 1,
                value: f64::INFINITY
            }
        );
        assert_eq!(FitError::KZero.offset_rows(10), FitError::KZero);
    }

    #[test]
    fn an_engine_error_keeps_its_source() {
        let inner = std::io::Error::other("the peer hung up");
        let e = StageError::Engine {
            stage: "distributed",
            source: Box::new(inner),
        };
        assert_eq!(e.to_string(), "stage distributed failed");
        let source = std::error::Error::source(&e).expect("a source");
        assert_eq!(source.to_string(), "the peer hung up");
        assert!(e.input().is_none());
    }
}
