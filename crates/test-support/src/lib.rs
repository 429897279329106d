//! Helpers the workspace's tests share, so that each test file says only what it tests:
//! blob data ([`blobs`], [`clustered`]), `.npy` headers written by hand
//! ([`npy_header`]), bit patterns ([`bits`]), a fit on a given
//! number of threads ([`on_threads`]), the seed run's reference ([`seed_reference`]),
//! JSON labels ([`labels_of`]) and the `ladder` binary ([`Ladder`]).

#![warn(missing_docs)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use ladder_blobs::{BlobSpec, Generator, make_blobs};
use ladder_core::Matrix;
use serde_json::Value;

/// `make_blobs(n, centers, n_features=d, random_state=seed)`, bit for bit scikit-learn's.
pub fn blobs(n: usize, centers: usize, d: usize, seed: u64) -> Matrix {
    blobs_with(&BlobSpec::new(n, centers).features(d).seed(seed))
}

/// The points of `spec`, with the numpy generator.
pub fn blobs_with(spec: &BlobSpec) -> Matrix {
    make_blobs(spec, Generator::Numpy)
        .expect("a valid blob spec")
        .points
}

/// `n` clustered points in `d` dimensions without a generator: `blobs` blobs on a line,
/// jittered by a fixed sequence (an LCG), so that kernels' own tests need no RNG.
pub fn clustered(n: usize, d: usize, blobs: usize) -> Vec<f64> {
    let mut state = 12345u64;
    let mut jitter = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    (0..n * d)
        .map(|i| ((i / d) % blobs) as f64 * 4.0 + jitter() * 3.0)
        .collect()
}

/// `f` run in a rayon pool of `threads` threads.
pub fn on_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool");
    pool.install(f)
}

/// A version-1 `.npy` header around the dictionary text `dict` (its newline added),
/// for files numpy's writers would not make: odd dtypes, hostile shapes, mutations.
pub fn npy_header(dict: &str) -> Vec<u8> {
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    let text = format!("{dict}\n");
    bytes.extend_from_slice(&(text.len() as u16).to_le_bytes());
    bytes.extend_from_slice(text.as_bytes());
    bytes
}

/// Each value's bits, to compare floats exactly.
pub fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// A file of the workspace, by its path from the workspace's root.
pub fn workspace_file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative)
}

/// A JSON file, parsed.
pub fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

/// The seed run as the seed's pure-Python code computed it (`tests/data/seed_run.json`).
pub fn seed_reference() -> Value {
    read_json(&workspace_file("tests/data/seed_run.json"))
}

/// A JSON array of labels.
pub fn labels_of(v: &Value) -> Vec<u32> {
    v.as_array()
        .expect("an array of labels")
        .iter()
        .map(|l| l.as_u64().expect("a label") as u32)
        .collect()
}

/// The `ladder` binary (in a test of the harness crate,
/// `Ladder::at(env!("CARGO_BIN_EXE_ladder"))`).
#[derive(Debug, Clone, Copy)]
pub struct Ladder {
    program: &'static str,
}

impl Ladder {
    /// The binary at `program`.
    pub const fn at(program: &'static str) -> Self {
        Self { program }
    }

    /// Its path.
    pub fn path(&self) -> &'static str {
        self.program
    }

    /// Runs it to the end.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(self.program)
            .args(args)
            .output()
            .expect("the ladder binary runs")
    }

    /// Runs it to the end with `stdin` as its standard input.
    pub fn run_with_stdin(&self, args: &[&str], stdin: &[u8]) -> Output {
        use std::io::Write;
        let mut child = Command::new(self.program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the ladder binary starts");
        let mut pipe = child.stdin.take().expect("a piped stdin");
        let bytes = stdin.to_vec();
        // Written from another thread, so a child that stops reading cannot block us.
        let writer = std::thread::spawn(move || pipe.write_all(&bytes));
        let out = child.wait_with_output().expect("the ladder binary runs");
        let _ = writer.join();
        out
    }

    /// Runs it, asserts that it succeeded, and returns its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "ladder {args:?} failed: {}",
            stderr(&out)
        );
        stdout(&out)
    }

    /// Starts it, its stdout discarded and its stderr piped.
    pub fn spawn(&self, args: &[&str]) -> Child {
        Command::new(self.program)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the ladder binary starts")
    }
}

/// A finished process's stdout, as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A finished process's stderr, as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
