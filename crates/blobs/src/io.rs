//! Points in files: `.npy` (read with `ndarray-npy`; what `numpy.save` writes and
//! `numpy.load` reads) and CSV (one point per row, an optional header line).
//!
//! A file is read as `.npy` when it starts with numpy's magic bytes, otherwise as CSV.
//! Every failure is an [`IoError`] whose message names the file, says what is wrong
//! and how to fix it.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use ladder_core::Matrix;
use ndarray::{Array2, ArrayView1, ArrayView2};
use ndarray_npy::{ReadNpyError, ReadNpyExt, WriteNpyExt};
use thiserror::Error;

const NPY_MAGIC: &[u8] = b"\x93NUMPY";

/// Why points could not be read or written.
#[derive(Debug, Error)]
pub enum IoError {
    /// There is no such file.
    #[error("{path}: no such file; check the path")]
    NotFound {
        /// The file.
        path: PathBuf,
    },
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// A `.npy` file that is not a 2-D float array.
    #[error(
        "{path}: not a 2-D float .npy array ({reason}); save an (n_points, n_features) float64 array with numpy.save"
    )]
    Npy {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A CSV line that is not a row of numbers like the others.
    #[error("{path}, line {line}: {reason}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: u64,
        /// What is wrong with it.
        reason: String,
    },
    /// A file without a point.
    #[error("{path}: no points in the file; give at least one row")]
    Empty {
        /// The file.
        path: PathBuf,
    },
}

impl IoError {
    /// An error creating `path` for writing.
    fn create(path: &Path, source: std::io::Error) -> Self {
        let source = match source.kind() {
            std::io::ErrorKind::NotFound => {
                std::io::Error::other("cannot create the file: its directory does not exist")
            }
            _ => source,
        };
        IoError::Io {
            path: path.into(),
            source,
        }
    }

    /// An error reading `path`: [`IoError::NotFound`] when there is no such file.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        match source.kind() {
            std::io::ErrorKind::NotFound => IoError::NotFound { path: path.into() },
            _ => IoError::Io {
                path: path.into(),
                source,
            },
        }
    }
}

/// Reads an `n × d` matrix of points from a `.npy` file (float64 or float32, C or Fortran
/// order) or a CSV file.
pub fn read_points(path: &Path) -> Result<Matrix, IoError> {
    let mut file = File::open(path).map_err(|e| IoError::io(path, e))?;
    if path.is_dir() {
        return Err(IoError::Io {
            path: path.into(),
            source: std::io::Error::other("is a directory, not a file"),
        });
    }
    let mut magic = [0u8; 6];
    let is_npy = file.read_exact(&mut magic).is_ok() && magic == NPY_MAGIC;
    let npy_name = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"));
    let matrix = if is_npy {
        read_npy(path)?
    } else if npy_name {
        return Err(IoError::Npy {
            path: path.into(),
            reason: "the file does not start with numpy's .npy header".into(),
        });
    } else {
        read_csv(path)?
    };
    if matrix.n() == 0 {
        return Err(IoError::Empty { path: path.into() });
    }
    Ok(matrix)
}

fn read_npy(path: &Path) -> Result<Matrix, IoError> {
    let open = || File::open(path).map(BufReader::new);
    let npy_err = |e: ReadNpyError| match e {
        ReadNpyError::Io(source) if source.kind() != std::io::ErrorKind::UnexpectedEof => {
            IoError::io(path, source)
        }
        ReadNpyError::Io(_) | ReadNpyError::MissingData => IoError::Npy {
            path: path.into(),
            reason: "the file is truncated".into(),
        },
        ReadNpyError::WrongNdim(_, got) => IoError::Npy {
            path: path.into(),
            reason: format!("it has {got} dimensions; reshape 1-D data with x.reshape(-1, 1)"),
        },
        ReadNpyError::WrongDescriptor(descr) => IoError::Npy {
            path: path.into(),
            reason: format!("its dtype is {descr}; convert with x.astype(numpy.float64)"),
        },
        other => IoError::Npy {
            path: path.into(),
            reason: other.to_string(),
        },
    };
    let file = || open().map_err(|e| IoError::io(path, e));
    let array = match Array2::<f64>::read_npy(file()?) {
        Ok(a) => a,
        // float32 is widened exactly; any other dtype is reported as it is.
        Err(e @ ReadNpyError::WrongDescriptor(_)) => match Array2::<f32>::read_npy(file()?) {
            Ok(a) => a.mapv(f64::from),
            Err(_) => return Err(npy_err(e)),
        },
        Err(e) => return Err(npy_err(e)),
    };
    let d = array.ncols();
    if d == 0 {
        return Err(IoError::Npy {
            path: path.into(),
            reason: "it has 0 columns".into(),
        });
    }
    // `iter` walks in logical (row-major) order whatever the memory order.
    Ok(Matrix::new(array.iter().copied().collect(), d).expect("whole rows of d > 0 values"))
}

fn read_csv(path: &Path) -> Result<Matrix, IoError> {
    let file = File::open(path).map_err(|e| IoError::io(path, e))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(BufReader::new(file));
    let csv_err = |line: u64, reason: String| IoError::Csv {
        path: path.into(),
        line,
        reason,
    };
    let mut data = Vec::new();
    let mut d = None;
    for (index, record) in reader.records().enumerate() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            csv_err(line, format!("cannot read CSV: {e}"))
        })?;
        let line = record.position().map_or(index as u64 + 1, |p| p.line());
        let values: Result<Vec<f64>, _> = record.iter().map(str::parse::<f64>).collect();
        let values = match values {
            Ok(v) => v,
            // A first row that is not numbers is a header.
            Err(_) if index == 0 => continue,
            Err(_) => {
                let bad = record.iter().find(|f| f.parse::<f64>().is_err());
                return Err(csv_err(
                    line,
                    format!(
                        "{:?} is not a number; every field must be a decimal number",
                        bad.unwrap_or_default()
                    ),
                ));
            }
        };
        match d {
            None => d = Some(values.len()),
            Some(d) if d != values.len() => {
                return Err(csv_err(
                    line,
                    format!(
                        "{} values, but earlier rows have {d}; every row needs the same number of features",
                        values.len()
                    ),
                ));
            }
            Some(_) => {}
        }
        data.extend(values);
    }
    match d {
        None => Err(IoError::Empty { path: path.into() }),
        Some(d) => Ok(Matrix::new(data, d).expect("rows checked to have d > 0 values")),
    }
}

/// Where the rows of a float64, C-order, 2-D `.npy` file are: what a reader needs to
/// read any rows without loading the file.
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
/// (what `numpy.save` writes for such an array), without reading the data.
pub fn npy_layout(path: &Path) -> Result<NpyLayout, IoError> {
    let mut file = File::open(path).map_err(|e| IoError::io(path, e))?;
    let bad = |reason: &str| IoError::Npy {
        path: path.into(),
        reason: reason.into(),
    };
    let mut pre = [0u8; 10];
    file.read_exact(&mut pre)
        .map_err(|_| bad("the file is too short for a .npy header"))?;
    if &pre[..6] != NPY_MAGIC {
        return Err(bad("the file does not start with numpy's .npy header"));
    }
    let (header_len, prefix) = match pre[6] {
        1 => (u16::from_le_bytes([pre[8], pre[9]]) as usize, 10),
        2 | 3 => {
            let mut more = [0u8; 2];
            file.read_exact(&mut more)
                .map_err(|_| bad("the file is truncated"))?;
            (
                u32::from_le_bytes([pre[8], pre[9], more[0], more[1]]) as usize,
                12,
            )
        }
        v => return Err(bad(&format!("unknown .npy version {v}"))),
    };
    let mut header = vec![0u8; header_len];
    file.read_exact(&mut header)
        .map_err(|_| bad("the file is truncated"))?;
    let header = String::from_utf8_lossy(&header).replace(' ', "");
    if !header.contains("'descr':'<f8'") {
        return Err(bad(
            "its dtype is not float64; convert with x.astype(numpy.float64)",
        ));
    }
    if !header.contains("'fortran_order':False") {
        return Err(bad(
            "it is in Fortran order; save numpy.ascontiguousarray(x)",
        ));
    }
    let shape = header
        .split_once("'shape':(")
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(shape, _)| shape)
        .ok_or_else(|| bad("its header has no shape"))?;
    let dims: Vec<usize> = shape
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()
        .map_err(|_| bad("its shape is not a tuple of integers"))?;
    let [n, d] = dims[..] else {
        return Err(bad(&format!(
            "it has {} dimensions; reshape 1-D data with x.reshape(-1, 1)",
            dims.len()
        )));
    };
    let layout = NpyLayout {
        data_offset: (prefix + header_len) as u64,
        n,
        d,
    };
    let size = std::fs::metadata(path)
        .map_err(|e| IoError::io(path, e))?
        .len();
    if size < layout.data_offset + (n * d * 8) as u64 {
        return Err(bad("the file is truncated"));
    }
    if d == 0 {
        return Err(bad("it has 0 columns"));
    }
    Ok(layout)
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

/// Writes points as CSV when the path ends in `.csv`, else as `.npy`.
pub fn write_points(path: &Path, points: &Matrix) -> Result<(), IoError> {
    match path.extension() {
        Some(ext) if ext.eq_ignore_ascii_case("csv") => write_points_csv(path, points),
        _ => write_points_npy(path, points),
    }
}

/// Writes points as CSV, one row per point, in shortest round-trip decimals (reading
/// the file back gives the same bits).
pub fn write_points_csv(path: &Path, points: &Matrix) -> Result<(), IoError> {
    let file = create_file(path)?;
    let mut writer = csv::Writer::from_writer(std::io::BufWriter::new(file));
    for row in points.view().rows() {
        writer
            .write_record(row.iter().map(|x| format!("{x:?}")))
            .map_err(|e| csv_write_error(path, e))?;
    }
    writer.flush().map_err(|e| IoError::io(path, e))
}

/// Creates (or truncates) `path` for writing, with a clear error when it cannot be.
pub fn create_file(path: &Path) -> Result<File, IoError> {
    File::create(path).map_err(|e| IoError::create(path, e))
}

fn csv_write_error(path: &Path, e: csv::Error) -> IoError {
    IoError::Io {
        path: path.into(),
        source: std::io::Error::other(e.to_string()),
    }
}

/// Writes points as a float64, C-order `.npy` of shape `(n, d)`.
pub fn write_points_npy(path: &Path, points: &Matrix) -> Result<(), IoError> {
    let view = ArrayView2::from_shape((points.n(), points.d()), points.as_slice())
        .expect("a matrix has n × d values");
    write_npy(path, |f| view.write_npy(f))
}

/// Writes labels as an int64 `.npy` of shape `(n,)`, like scikit-learn's `y`.
pub fn write_labels_npy(path: &Path, labels: &[i64]) -> Result<(), IoError> {
    write_npy(path, |f| ArrayView1::from(labels).write_npy(f))
}

fn write_npy(
    path: &Path,
    write: impl FnOnce(std::io::BufWriter<File>) -> Result<(), ndarray_npy::WriteNpyError>,
) -> Result<(), IoError> {
    let file = create_file(path)?;
    write(std::io::BufWriter::new(file)).map_err(|e| IoError::Io {
        path: path.into(),
        source: std::io::Error::other(e.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn temp(contents: &[u8], name: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        File::create(&path).unwrap().write_all(contents).unwrap();
        (dir, path)
    }

    #[test]
    fn npy_round_trips_bit_for_bit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.npy");
        let m = Matrix::new(vec![0.1, -2.5e-300, 3.0, f64::MIN_POSITIVE, 5.0, 6.0], 2).unwrap();
        write_points_npy(&path, &m).unwrap();
        assert_eq!(read_points(&path).unwrap(), m);
    }

    #[test]
    fn npy_layout_finds_the_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.npy");
        let m = Matrix::new((0..12).map(f64::from).collect(), 3).unwrap();
        write_points_npy(&path, &m).unwrap();
        let layout = npy_layout(&path).unwrap();
        assert_eq!((layout.n, layout.d), (4, 3));
        let mut rows = [0.0; 6];
        read_npy_rows(&File::open(&path).unwrap(), &path, &layout, 2, &mut rows).unwrap();
        assert_eq!(rows, [6.0, 7.0, 8.0, 9.0, 10.0, 11.0]);
        let labels = dir.path().join("l.npy");
        write_labels_npy(&labels, &[1, 2]).unwrap();
        assert!(
            npy_layout(&labels)
                .unwrap_err()
                .to_string()
                .contains("float64")
        );
    }

    #[test]
    fn csv_round_trips_bit_for_bit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.csv");
        let m = Matrix::new(vec![0.1, -2.5e-300, 1e300, 1.0 / 3.0], 2).unwrap();
        write_points(&path, &m).unwrap();
        assert_eq!(read_points(&path).unwrap(), m);
    }

    #[test]
    fn csv_with_header_and_comments_is_read() {
        let (_d, path) = temp(b"x, y\n# a comment\n1, 2\n3.5,-4e-3\n", "p.csv");
        let m = read_points(&path).unwrap();
        assert_eq!(m, Matrix::new(vec![1.0, 2.0, 3.5, -4e-3], 2).unwrap());
    }

    #[test]
    fn bad_files_get_one_clear_error() {
        let cases: [(&[u8], &str, &str); 5] = [
            (
                b"1,2\n3\n",
                "r.csv",
                "line 2: 1 values, but earlier rows have 2",
            ),
            (b"1,2\n3,x\n", "x.csv", "line 2: \"x\" is not a number"),
            (b"", "e.csv", "no points"),
            (b"a,b\n", "h.csv", "no points"),
            (b"\x93NUMPY garbage", "g.npy", "not a 2-D float .npy array"),
        ];
        for (bytes, name, want) in cases {
            let (_d, path) = temp(bytes, name);
            let err = read_points(&path).unwrap_err().to_string();
            assert!(err.contains(want), "{name}: {err}");
        }
        let err = read_points(Path::new("/no/such/file.npy")).unwrap_err();
        assert!(matches!(err, IoError::NotFound { .. }), "{err}");
    }

    #[test]
    fn npy_of_the_wrong_shape_or_dtype_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let one_d = dir.path().join("1d.npy");
        ArrayView1::from(&[1.0f64, 2.0][..])
            .write_npy(File::create(&one_d).unwrap())
            .unwrap();
        let err = read_points(&one_d).unwrap_err().to_string();
        assert!(err.contains("1 dimensions"), "{err}");

        let ints = dir.path().join("i.npy");
        write_labels_npy(&ints, &[1, 2]).unwrap();
        let err = read_points(&ints).unwrap_err().to_string();
        assert!(err.contains("dtype"), "{err}");

        let f32s = dir.path().join("f32.npy");
        Array2::from_shape_vec((1, 2), vec![0.5f32, 1.25])
            .unwrap()
            .write_npy(File::create(&f32s).unwrap())
            .unwrap();
        assert_eq!(
            read_points(&f32s).unwrap(),
            Matrix::new(vec![0.5, 1.25], 2).unwrap()
        );
    }
}
