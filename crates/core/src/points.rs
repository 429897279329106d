use crate::FitError;

/// A borrowed `n × d` block of points, `f64`, row-major: row `i` is
/// `data[i*d .. (i+1)*d]`. Cheap to copy; every stage takes its input this way.
#[derive(Debug, Clone, Copy)]
pub struct Points<'a> {
    data: &'a [f64],
    d: usize,
}

impl<'a> Points<'a> {
    /// Views `data` as rows of `d` features. Fails when `d` is 0 or `data` is not a whole
    /// number of rows.
    pub fn new(data: &'a [f64], d: usize) -> Result<Self, FitError> {
        if d == 0 {
            return Err(FitError::NoFeatures);
        }
        if !data.len().is_multiple_of(d) {
            return Err(FitError::Ragged { len: data.len(), d });
        }
        Ok(Self { data, d })
    }

    /// Number of points.
    pub fn n(&self) -> usize {
        self.data.len() / self.d
    }

    /// Number of features per point.
    pub fn d(&self) -> usize {
        self.d
    }

    /// The whole row-major buffer.
    pub fn as_slice(&self) -> &'a [f64] {
        self.data
    }

    /// Point `i`.
    pub fn row(&self, i: usize) -> &'a [f64] {
        &self.data[i * self.d..(i + 1) * self.d]
    }

    /// The points in order.
    pub fn rows(&self) -> std::slice::ChunksExact<'a, f64> {
        self.data.chunks_exact(self.d)
    }
}

/// An owned `n × d` row-major matrix: what the loaders and generators return.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    data: Vec<f64>,
    d: usize,
}

impl Matrix {
    /// Wraps a row-major buffer of rows of `d` values.
    pub fn new(data: Vec<f64>, d: usize) -> Result<Self, FitError> {
        Points::new(&data, d)?;
        Ok(Self { data, d })
    }

    /// The matrix as borrowed points.
    pub fn view(&self) -> Points<'_> {
        Points {
            data: &self.data,
            d: self.d,
        }
    }

    /// Number of rows.
    pub fn n(&self) -> usize {
        self.data.len() / self.d
    }

    /// Values per row.
    pub fn d(&self) -> usize {
        self.d
    }

    /// The row-major buffer.
    pub fn as_slice(&self) -> &[f64] {
        &self.data
    }

    /// The row-major buffer, owned.
    pub fn into_vec(self) -> Vec<f64> {
        self.data
    }
}
