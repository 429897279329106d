//! The two ladders in one report: which language a row is in, the seed document's own
//! figure for its rung, and what became of the Python ladder in this run.

use serde::{Deserialize, Serialize};

/// The language a row's code is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Language {
    /// This project's rungs, and linfa.
    Rust,
    /// The seed's ladder and the Python peers.
    Python,
}

impl Language {
    /// Its name, as the table shows it.
    pub fn name(self) -> &'static str {
        match self {
            Language::Rust => "Rust",
            Language::Python => "Python",
        }
    }
}

/// A figure the seed documents print for a rung, measured on the authors' machine, not
/// in this run: shown beside this run's, never used in a ratio.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeedFigure {
    /// Seconds.
    pub seconds: f64,
    /// What it timed (a whole fit, or one `find_labels` call).
    pub note: String,
}

/// A row that did not run in this run, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AbsentRow {
    /// The row's name.
    pub name: String,
    /// Why it is absent.
    pub why: String,
}

/// What became of the Python ladder in this run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum PythonSection {
    /// Measured: its rows are in the table.
    Measured {
        /// The interpreter, e.g. "CPython 3.11.7".
        interpreter: String,
        /// How its environment came to be (reused, installed, incomplete: why).
        environment: String,
        /// Threads every peer was given.
        threads: usize,
        /// Rows that could not run here, and why.
        absent: Vec<AbsentRow>,
    },
    /// Not measured: every Python row is absent, for this reason.
    Absent {
        /// Why (LADDER_PYTHON=off, no python3, a failed run…).
        why: String,
    },
}

impl PythonSection {
    /// One sentence for the report.
    pub fn describe(&self) -> String {
        match self {
            PythonSection::Measured {
                interpreter,
                environment,
                threads,
                absent,
            } => {
                let mut s = format!(
                    "The Python rows were measured in this run with {interpreter} ({environment}), \
                     {threads} threads for every peer."
                );
                for a in absent {
                    s += &format!(" {} is absent: {}.", a.name, a.why);
                }
                s
            }
            PythonSection::Absent { why } => {
                format!("The Python rows are absent from this run: {why}.")
            }
        }
    }
}
