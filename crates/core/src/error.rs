use thiserror::Error;

/// Everything that can be wrong with a fit's input. Each message says what is wrong and
/// how to fix it, in one line.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum FitError {
    #[error("the input has no points; give at least k points")]
    NoPoints,
    #[error("the points have 0 features; give at least one column")]
    NoFeatures,
    #[error("{len} values cannot be split into rows of {d} features; every row needs {d} values")]
    Ragged { len: usize, d: usize },
    #[error("k must be at least 1; choose k between 1 and the number of points")]
    KZero,
    #[error("k = {k} is larger than the number of points ({n}); choose k <= {n}")]
    KTooLarge { k: usize, n: usize },
    #[error("max_iter must be at least 1; it counts assignment passes")]
    MaxIterZero,
    #[error(
        "row {row}, feature {col} is {value}: NaN and infinity cannot be clustered; drop or fix that row"
    )]
    NonFinite { row: usize, col: usize, value: f64 },
    #[error(
        "row {row}, feature {col} is {value}: coordinates beyond ±{limit:e} overflow squared distances; rescale the data"
    )]
    TooLarge {
        row: usize,
        col: usize,
        value: f64,
        limit: f64,
    },
    #[error(
        "the initial centers have {got} values, but k = {k} centers of d = {d} features need {}; give k rows of d values",
        k * d
    )]
    DimensionMismatch { k: usize, d: usize, got: usize },
    #[error("initial centers: {0}")]
    BadInitialCenter(Box<FitError>),
    #[error("stage {stage}: {message}")]
    Stage {
        stage: &'static str,
        message: String,
    },
}
