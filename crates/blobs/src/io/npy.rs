//! `.npy` arrays: the header parsed by `ndarray-npy` (its Python-literal reader), after
//! bounds that keep a hostile header cheap (numpy's own 10 000-byte limit, a nesting
//! limit); the data decoded here for every layout `numpy.save` writes for float points —
//! float64 or float32, little- or big-endian, C or Fortran order, 2-D or 1-D (one
//! feature). Sizes are checked against the bytes there are before anything is allocated.

use std::fmt;
use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;

use ladder_core::Matrix;
use ndarray::{ArrayView1, ArrayView2};
use ndarray_npy::WriteNpyExt;
use ndarray_npy::npy::header::Header;
use py_literal::Value as PyValue;

use super::{Format, IoError, Loaded, NPY_MAGIC, Output, shorten};

/// The longest header read: numpy's `max_header_size` default for `numpy.load`.
const MAX_HEADER: usize = 10_000;

/// Brackets deeper than this are not numpy's header dictionary (which nests two deep).
const MAX_NESTING: usize = 8;

/// The float type of a `.npy` array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NpyFloat {
    /// float64 rather than float32.
    pub double: bool,
    /// Big-endian bytes (`>f8`) rather than little-endian (`<f8`).
    pub big_endian: bool,
}

impl NpyFloat {
    fn bytes(self) -> usize {
        if self.double { 8 } else { 4 }
    }

    fn decode(self, b: &[u8]) -> f64 {
        match (self.double, self.big_endian) {
            (true, false) => f64::from_le_bytes(b.try_into().expect("8 bytes")),
            (true, true) => f64::from_be_bytes(b.try_into().expect("8 bytes")),
            (false, false) => f32::from_le_bytes(b.try_into().expect("4 bytes")).into(),
            (false, true) => f32::from_be_bytes(b.try_into().expect("4 bytes")).into(),
        }
    }
}

impl fmt::Display for NpyFloat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = if self.double { "float64" } else { "float32" };
        let order = if self.big_endian { " big-endian" } else { "" };
        write!(f, "{name}{order}")
    }
}

/// What a header says, checked: a float type, an order, a shape of one or two sizes.
#[derive(Debug)]
struct Parsed {
    dtype: NpyFloat,
    fortran: bool,
    /// Rows and columns (a 1-D array is one column).
    n: usize,
    d: usize,
    one_d: bool,
    /// Where the data start.
    offset: usize,
}

/// The header at the start of `bytes` (the whole file, or at least its first
/// `12 + MAX_HEADER` bytes), or why it is not one of points.
fn parse_header(bytes: &[u8]) -> Result<Parsed, String> {
    if bytes.len() < 10 || !bytes.starts_with(NPY_MAGIC) {
        return Err("it is too short for a .npy header (truncated?)".into());
    }
    let (len, prefix) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => {
            let len = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
            (len as usize, 12)
        }
        2 | 3 => return Err("it is too short for a .npy header (truncated?)".into()),
        major => {
            return Err(format!(
                "its format version {major}.{} is not one numpy writes; save it again with numpy.save",
                bytes[7]
            ));
        }
    };
    if len > MAX_HEADER {
        return Err(format!(
            "its header claims {len} bytes, more than numpy itself reads ({MAX_HEADER}); it is not a numpy.save file"
        ));
    }
    let Some(text) = bytes.get(prefix..prefix + len) else {
        return Err("it is truncated inside its header".into());
    };
    if nesting(text) > MAX_NESTING {
        return Err("its header is not numpy's dictionary; save the array with numpy.save".into());
    }
    let header = Header::from_reader(&mut &bytes[..prefix + len]).map_err(|e| {
        // The parser's own message may span lines (a caret under the column).
        let why = e.to_string();
        let why = why
            .lines()
            .next()
            .unwrap_or_default()
            .trim_end_matches([' ', '-', '>']);
        format!(
            "its header cannot be parsed ({}); save the array with numpy.save",
            shorten(why, 80)
        )
    })?;
    let dtype = float_type(&header.type_descriptor)?;
    let (n, d, one_d) = match header.shape[..] {
        [n, d] => (n, d, false),
        [n] => (n, 1, true),
        [] => return Err(
            "it holds a single number (shape ()); save an array of shape (n_points, n_features)"
                .into(),
        ),
        ref shape => {
            return Err(format!(
                "it has {} dimensions, shape {}; reshape it to (n_points, n_features)",
                shape.len(),
                shorten(&format!("{shape:?}"), 40)
            ));
        }
    };
    if d == 0 {
        return Err("it has 0 columns; give at least one feature per point".into());
    }
    Ok(Parsed {
        dtype,
        fortran: header.layout.is_fortran(),
        n,
        d,
        one_d,
        offset: prefix + len,
    })
}

/// The deepest nesting of brackets in `text`.
fn nesting(text: &[u8]) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    for &b in text {
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// The float type a `descr` names, or what to do about another.
fn float_type(descr: &PyValue) -> Result<NpyFloat, String> {
    let PyValue::String(descr) = descr else {
        return Err(
            "it has a structured dtype; save a plain float array of shape (n_points, n_features)"
                .into(),
        );
    };
    let (big_endian, code) = match descr.as_bytes().first() {
        Some(b'<' | b'=' | b'|') => (false, &descr[1..]),
        Some(b'>') => (true, &descr[1..]),
        _ => (false, descr.as_str()),
    };
    match code {
        "f8" => Ok(NpyFloat {
            double: true,
            big_endian,
        }),
        "f4" => Ok(NpyFloat {
            double: false,
            big_endian,
        }),
        _ => Err(format!(
            "its dtype is {}, but points must be float64 or float32; convert with x.astype(numpy.float64)",
            shorten(descr, 16)
        )),
    }
}

/// The points of a whole `.npy` file's `bytes`.
pub fn parse_npy(name: &Path, bytes: &[u8]) -> Result<Loaded, IoError> {
    let bad = |reason: String| IoError::Npy {
        path: name.into(),
        reason,
    };
    let h = parse_header(bytes).map_err(bad)?;
    let data = &bytes[h.offset..];
    let size =
        h.n.checked_mul(h.d)
            .and_then(|v| v.checked_mul(h.dtype.bytes()));
    match size {
        Some(size) if size == data.len() => {}
        Some(size) if size < data.len() => {
            return Err(bad(format!(
                "it has {} bytes after its {} × {} values; save one array per file with numpy.save",
                data.len() - size,
                h.n,
                h.d
            )));
        }
        _ => {
            return Err(bad(format!(
                "it is truncated: its header says {} × {} values of {}, but only {} bytes follow",
                h.n,
                h.d,
                h.dtype,
                data.len()
            )));
        }
    }
    let values = data
        .chunks_exact(h.dtype.bytes())
        .map(|b| h.dtype.decode(b));
    let values: Vec<f64> = if h.fortran && h.d > 1 {
        // Column-major: value (i, j) is the (j·n + i)-th.
        let columns: Vec<f64> = values.collect();
        (0..h.n * h.d)
            .map(|v| columns[(v % h.d) * h.n + v / h.d])
            .collect()
    } else {
        values.collect()
    };
    Ok(Loaded {
        points: Matrix::new(values, h.d).expect("whole rows of d > 0 values"),
        format: Format::Npy {
            dtype: h.dtype,
            fortran: h.fortran,
            one_d: h.one_d,
        },
    })
}

/// Where the rows of a float64, little-endian, C-order, 2-D `.npy` file are: what a
/// reader needs to read any rows without loading the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NpyLayout {
    /// Byte offset of row 0.
    pub data_offset: u64,
    /// Rows.
    pub n: usize,
    /// Columns.
    pub d: usize,
}

/// Reads the header of a `.npy` file of shape `(n, d)`, float64 little-endian, C order
/// (what `numpy.save` writes for such an array) and checks the file's size, without
/// reading the data. Any other file is refused (read it with [`super::read_input`]).
pub fn npy_layout(path: &Path) -> Result<NpyLayout, IoError> {
    let file = File::open(path).map_err(|e| IoError::io(path, e))?;
    let bad = |reason: String| IoError::Npy {
        path: path.into(),
        reason,
    };
    let mut start = Vec::new();
    file.take((12 + MAX_HEADER) as u64)
        .read_to_end(&mut start)
        .map_err(|e| IoError::io(path, e))?;
    if !start.starts_with(NPY_MAGIC) {
        return Err(bad("it does not start with numpy's .npy header".into()));
    }
    let h = parse_header(&start).map_err(bad)?;
    let plain = NpyFloat {
        double: true,
        big_endian: false,
    };
    if h.dtype != plain || h.fortran || h.one_d {
        return Err(bad(format!(
            "out-of-core reading takes 2-D little-endian float64 in C order, not this {}",
            h.dtype
        )));
    }
    let size = std::fs::metadata(path)
        .map_err(|e| IoError::io(path, e))?
        .len();
    let data = (h.n as u64).checked_mul(h.d as u64 * 8);
    if data.and_then(|b| b.checked_add(h.offset as u64)) != Some(size) {
        return Err(bad("its size does not match its header".into()));
    }
    Ok(NpyLayout {
        data_offset: h.offset as u64,
        n: h.n,
        d: h.d,
    })
}

/// Reads `out.len() / d` rows starting at row `start` of a file described by `layout`.
pub fn read_npy_rows(
    file: &File,
    path: &Path,
    layout: &NpyLayout,
    start: usize,
    out: &mut [f64],
) -> Result<(), IoError> {
    use std::os::unix::fs::FileExt;
    let mut bytes = vec![0u8; out.len() * 8];
    let offset = layout.data_offset + (start * layout.d * 8) as u64;
    file.read_exact_at(&mut bytes, offset)
        .map_err(|e| IoError::io(path, e))?;
    for (x, b) in out.iter_mut().zip(bytes.chunks_exact(8)) {
        *x = f64::from_le_bytes(b.try_into().expect("8 bytes"));
    }
    Ok(())
}

/// `ndarray-npy`'s write error as an I/O error.
fn npy_error(e: ndarray_npy::WriteNpyError) -> std::io::Error {
    match e {
        ndarray_npy::WriteNpyError::Io(e) => e,
        other => std::io::Error::other(other.to_string()),
    }
}

/// Writes points as a float64, C-order `.npy` of shape `(n, d)`, atomically.
pub fn write_points_npy(path: &Path, points: &Matrix) -> Result<(), IoError> {
    Output::create(path)?.write_points_npy(points)
}

/// Writes labels as an int64 `.npy` of shape `(n,)`, like scikit-learn's `y`, atomically.
pub fn write_labels_npy(path: &Path, labels: &[i64]) -> Result<(), IoError> {
    Output::create(path)?.write_labels_npy(labels)
}

/// The `.npy` bytes of points, into `w`.
pub(super) fn points_npy(points: &Matrix, w: &mut dyn Write) -> std::io::Result<()> {
    let view = ArrayView2::from_shape((points.n(), points.d()), points.as_slice())
        .expect("a matrix has n × d values");
    view.write_npy(w).map_err(npy_error)
}

/// The `.npy` bytes of labels, into `w`.
pub(super) fn labels_npy(labels: &[i64], w: &mut dyn Write) -> std::io::Result<()> {
    ArrayView1::from(labels).write_npy(w).map_err(npy_error)
}
