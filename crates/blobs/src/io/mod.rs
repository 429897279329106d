//! Points in files and on stdin: `.npy` (what `numpy.save` writes: float64 or float32,
//! either byte order, C or Fortran order, 2-D or 1-D) and CSV (one point per row; comma,
//! tab, semicolon or whitespace delimited, detected or given; an optional header line).
//!
//! An input is read as `.npy` when it starts with numpy's magic bytes, otherwise as CSV
//! — the same for a file and for stdin. Every failure is an [`IoError`] whose one-line
//! message names the file, says what is wrong and how to fix it. Outputs are written to
//! a temporary file beside their path and renamed into place ([`Output`]), so a failure
//! never leaves a partial file.

mod csv;
mod npy;
mod output;

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use ladder_core::Matrix;
use thiserror::Error;

pub use self::csv::{Delimiter, UnknownDelimiter, parse_csv};
pub use self::npy::{
    NpyFloat, NpyLayout, npy_layout, parse_npy, read_npy_rows, write_labels_npy, write_points_npy,
};
pub use self::output::{Output, remove_pending, write_labels, write_points};

const NPY_MAGIC: &[u8] = b"\x93NUMPY";

/// Why points could not be read or written. Each message is one line: the file, what is
/// wrong, how to fix it.
#[derive(Debug, Error)]
pub enum IoError {
    /// There is no such file.
    #[error("{path}: no such file; check the path")]
    NotFound {
        /// The file.
        path: PathBuf,
    },
    /// A directory where a file was expected.
    #[error("{path}: is a directory; give a file")]
    IsDirectory {
        /// The path.
        path: PathBuf,
    },
    /// A device or socket, which could be read forever.
    #[error("{path}: not a regular file; give a file, or pipe the data into --input -")]
    NotAFile {
        /// The path.
        path: PathBuf,
    },
    /// Reading, creating or writing failed.
    #[error("{path}: cannot {action} it: {}", describe(error))]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done.
        action: Action,
        /// What the system said (shown once, not as a source: the message has it).
        error: std::io::Error,
    },
    /// A `.npy` file that is not an array of floats this reader takes.
    #[error("{path}: not a float .npy array of points: {reason}")]
    Npy {
        /// The file.
        path: PathBuf,
        /// What is wrong with it, and how to fix it.
        reason: String,
    },
    /// A CSV line that is not a row of numbers like the others.
    #[error("{path}, line {line}: {reason}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// What is wrong with it, and how to fix it.
        reason: String,
    },
    /// Bytes that are neither a `.npy` array nor text.
    #[error("{path}: binary data that is not a .npy array; give a .npy file or a CSV text file")]
    Binary {
        /// The file.
        path: PathBuf,
    },
    /// An output path of `-`: outputs are files, never stdout.
    #[error("-: outputs are written to files, not to stdout; give a file name")]
    Stdout,
    /// `--input -` with nothing piped in: reading would wait for typing.
    #[error(
        "stdin: a terminal, not piped data; pipe the points in (ladder fit --input - < points.csv)"
    )]
    Terminal,
    /// A file without a point.
    #[error("{path}: no points in the file; give at least one row")]
    Empty {
        /// The file.
        path: PathBuf,
    },
}

/// What an [`IoError::Io`] was doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Reading the input.
    Read,
    /// Creating an output.
    Create,
    /// Writing an output.
    Write,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::Read => "read",
            Action::Create => "create",
            Action::Write => "write",
        })
    }
}

/// A system error as a clause for people: the common kinds in words with a way out,
/// the rest as the system says them.
fn describe(error: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    match error.kind() {
        NotFound => "its directory does not exist; create it or choose another path".into(),
        PermissionDenied => "permission denied; choose a place you may write to".into(),
        IsADirectory => "it is a directory; give a file name".into(),
        NotADirectory => "a part of the path is a file, not a directory".into(),
        StorageFull => "the disk is full; free space or choose another disk".into(),
        ReadOnlyFilesystem => "the file system is read-only; choose another place".into(),
        _ => error.to_string(),
    }
}

impl IoError {
    /// An error opening or reading `path`: [`IoError::NotFound`] when there is no such
    /// file.
    pub fn io(path: &Path, error: std::io::Error) -> Self {
        match error.kind() {
            std::io::ErrorKind::NotFound => IoError::NotFound { path: path.into() },
            std::io::ErrorKind::IsADirectory => IoError::IsDirectory { path: path.into() },
            _ => IoError::Io {
                path: path.into(),
                action: Action::Read,
                error,
            },
        }
    }

    /// An error creating or writing the output `path`.
    pub fn output(path: &Path, action: Action, error: std::io::Error) -> Self {
        IoError::Io {
            path: path.into(),
            action,
            error,
        }
    }
}

/// Where points come from: a file, or stdin (`-` on the command line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file.
    File(PathBuf),
    /// The process's standard input.
    Stdin,
}

impl Input {
    /// What messages call it: the path, or `stdin`.
    pub fn name(&self) -> &Path {
        match self {
            Input::File(path) => path,
            Input::Stdin => Path::new("stdin"),
        }
    }

    /// The file, if it is one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Input::File(path) => Some(path),
            Input::Stdin => None,
        }
    }

    /// Every byte of it. A directory, device or socket is refused before reading, and so
    /// is stdin when it is a terminal.
    pub fn bytes(&self) -> Result<Vec<u8>, IoError> {
        let path = match self {
            Input::Stdin => {
                use std::io::IsTerminal;
                if std::io::stdin().is_terminal() {
                    return Err(IoError::Terminal);
                }
                let mut bytes = Vec::new();
                std::io::stdin()
                    .lock()
                    .read_to_end(&mut bytes)
                    .map_err(|e| IoError::io(self.name(), e))?;
                return Ok(bytes);
            }
            Input::File(path) => path,
        };
        let kind = std::fs::metadata(path)
            .map_err(|e| IoError::io(path, e))?
            .file_type();
        if kind.is_dir() {
            return Err(IoError::IsDirectory { path: path.clone() });
        }
        use std::os::unix::fs::FileTypeExt;
        if kind.is_char_device() || kind.is_block_device() || kind.is_socket() {
            return Err(IoError::NotAFile { path: path.clone() });
        }
        std::fs::read(path).map_err(|e| IoError::io(path, e))
    }
}

impl fmt::Display for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.name().display())
    }
}

impl FromStr for Input {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "-" => Input::Stdin,
            _ => Input::File(PathBuf::from(s)),
        })
    }
}

impl From<&Path> for Input {
    fn from(path: &Path) -> Self {
        Input::File(path.into())
    }
}

/// How a CSV input is split into fields.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// The delimiter; `None` detects it from the first lines.
    pub delimiter: Option<Delimiter>,
}

/// What an input turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A `.npy` array.
    Npy {
        /// Its float type.
        dtype: NpyFloat,
        /// Whether it was stored in Fortran (column-major) order.
        fortran: bool,
        /// Whether it was 1-D, read as one feature.
        one_d: bool,
    },
    /// CSV text.
    Csv {
        /// The delimiter used.
        delimiter: Delimiter,
        /// Whether a header line was skipped.
        header: bool,
    },
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Format::Npy {
                dtype,
                fortran,
                one_d,
            } => {
                let order = if fortran { "Fortran" } else { "C" };
                let shape = if one_d { "1-D" } else { "2-D" };
                write!(f, ".npy, {dtype}, {shape}, {order} order")
            }
            Format::Csv { delimiter, header } => {
                let header = if header { ", header line skipped" } else { "" };
                write!(f, "CSV, {delimiter} delimited{header}")
            }
        }
    }
}

/// Points read from an input, and what the input was.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// The points, `n × d`, row-major.
    pub points: Matrix,
    /// What the input was.
    pub format: Format,
}

impl Loaded {
    /// What a user should be told about how their input was read, if anything.
    pub fn note(&self, name: &Path) -> Option<String> {
        match self.format {
            Format::Npy { one_d: true, .. } => Some(format!(
                "{}: a 1-D array, read as {} points of one feature",
                name.display(),
                self.points.n()
            )),
            _ => None,
        }
    }
}

/// Reads points from a file or stdin: `.npy` by its magic bytes, otherwise CSV.
pub fn read_input(input: &Input, options: &ReadOptions) -> Result<Loaded, IoError> {
    parse_points(input.name(), &input.bytes()?, options)
}

/// Reads an `n × d` matrix of points from a `.npy` or CSV file.
pub fn read_points(path: &Path) -> Result<Matrix, IoError> {
    read_input(&path.into(), &ReadOptions::default()).map(|loaded| loaded.points)
}

/// Points from the bytes of an input called `name`: `.npy` by its magic bytes; a name
/// ending in `.npy` without them is refused; anything else is read as CSV.
pub fn parse_points(name: &Path, bytes: &[u8], options: &ReadOptions) -> Result<Loaded, IoError> {
    let npy_name = name
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"));
    let loaded = if bytes.starts_with(NPY_MAGIC) {
        parse_npy(name, bytes)?
    } else if npy_name {
        return Err(IoError::Npy {
            path: name.into(),
            reason: "it does not start with numpy's .npy header; save it with numpy.save".into(),
        });
    } else {
        parse_csv(name, bytes, options.delimiter)?
    };
    if loaded.points.n() == 0 {
        return Err(IoError::Empty { path: name.into() });
    }
    Ok(loaded)
}

/// `text` cut to at most `max` characters, with an ellipsis if cut: a field quoted in
/// a message stays short whatever the file holds.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests;
