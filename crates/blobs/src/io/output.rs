//! Outputs written whole or not at all: each goes to a temporary file in its own
//! directory (`.NAME.XXXXXX.partial`, removed if anything fails) and is renamed onto its
//! path only once every byte is written and flushed. Creating the [`Output`] first tells
//! a caller, before a long computation, that the path can be written. An interrupt
//! handler calls [`remove_pending`] to remove the temporary files of outputs under way.

use std::fs::Permissions;
use std::io::{BufWriter, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ladder_core::Matrix;
use tempfile::NamedTempFile;

use super::{Action, IoError, csv, npy};

/// The temporary files of outputs not yet renamed into place or removed.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn pending() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    // A panic elsewhere cannot leave the list half-changed: take it as it is.
    PENDING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Removes the temporary file of every output under way: what an interrupt handler
/// calls before the process exits, so that not even a `.partial` file is left.
pub fn remove_pending() {
    for path in pending().drain(..) {
        let _ = std::fs::remove_file(path);
    }
}

/// A file about to be written: its temporary file exists, its path is untouched.
#[derive(Debug)]
pub struct Output {
    path: PathBuf,
    /// `None` once renamed into place.
    temp: Option<NamedTempFile>,
}

impl Drop for Output {
    fn drop(&mut self) {
        if let Some(temp) = &self.temp {
            pending().retain(|p| p != temp.path());
        }
    }
}

impl Output {
    /// Makes the temporary file beside `path`: fails now if `path` is a directory or its
    /// directory does not exist or cannot be written, or if it is `-` (stdout).
    pub fn create(path: &Path) -> Result<Self, IoError> {
        if path == Path::new("-") {
            return Err(IoError::Stdout);
        }
        let (Some(name), false) = (path.file_name(), path.is_dir()) else {
            return Err(IoError::IsDirectory { path: path.into() });
        };
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let temp = tempfile::Builder::new()
            .prefix(&format!(".{}.", name.to_string_lossy()))
            .suffix(".partial")
            .permissions(Permissions::from_mode(0o644))
            .tempfile_in(dir)
            .map_err(|e| IoError::output(path, Action::Create, e))?;
        pending().push(temp.path().to_path_buf());
        Ok(Self {
            path: path.into(),
            temp: Some(temp),
        })
    }

    /// The path it will have.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes the file with `write` and renames it into place; on any error the
    /// temporary file is removed and `path` is left as it was.
    pub fn write_with(
        mut self,
        write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<(), IoError> {
        let path = self.path.clone();
        let failed = |e| IoError::output(&path, Action::Write, e);
        let temp = self.temp.take().expect("an output is written once");
        let temp_path = temp.path().to_path_buf();
        let mut writer = BufWriter::new(temp.as_file());
        let written = write(&mut writer).and_then(|()| writer.flush());
        drop(writer);
        // Renamed into place, or removed (dropped) on failure: no longer pending.
        let result = match written {
            Ok(()) => temp.persist(&path).map(|_| ()).map_err(|e| failed(e.error)),
            Err(e) => Err(failed(e)),
        };
        pending().retain(|p| *p != temp_path);
        result
    }

    /// Writes points: CSV when the path ends in `.csv`, else a float64 `.npy`.
    pub fn write_points(self, points: &Matrix) -> Result<(), IoError> {
        match is_csv(&self.path) {
            true => self.write_with(|w| csv::points_csv(points, w)),
            false => self.write_points_npy(points),
        }
    }

    /// Writes points as a float64, C-order `.npy` of shape `(n, d)`.
    pub fn write_points_npy(self, points: &Matrix) -> Result<(), IoError> {
        self.write_with(|w| npy::points_npy(points, w))
    }

    /// Writes labels: one per line when the path ends in `.csv`, else an int64 `.npy`.
    pub fn write_labels(self, labels: &[i64]) -> Result<(), IoError> {
        match is_csv(&self.path) {
            true => self.write_with(|w| labels.iter().try_for_each(|l| writeln!(w, "{l}"))),
            false => self.write_labels_npy(labels),
        }
    }

    /// Writes labels as an int64 `.npy` of shape `(n,)`.
    pub fn write_labels_npy(self, labels: &[i64]) -> Result<(), IoError> {
        self.write_with(|w| npy::labels_npy(labels, w))
    }
}

fn is_csv(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
}

/// Writes points to `path` (CSV for `.csv`, else `.npy`), atomically.
pub fn write_points(path: &Path, points: &Matrix) -> Result<(), IoError> {
    Output::create(path)?.write_points(points)
}

/// Writes labels to `path` (one per line for `.csv`, else an int64 `.npy`), atomically.
pub fn write_labels(path: &Path, labels: &[i64]) -> Result<(), IoError> {
    Output::create(path)?.write_labels(labels)
}
