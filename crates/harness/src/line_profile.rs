//! The seed's `%lprun` for Rust: from the samples that draw a flamegraph, the source
//! lines of the project's own crates where the time went.
//!
//! Each sample is charged to one line: the innermost frame on its stack — inlined frames
//! included, as the debug info resolves them — that lies in the workspace's own sources.
//! Time in the standard library or a dependency is charged to the project's line that
//! called it (an iterator adapter inlined into a loop counts as the loop's line), as
//! `%lprun` charges a call to the line that makes it; so is time in the one-intrinsic
//! SIMD wrappers and in the measuring code ([`TRANSPARENT`]). A line's share is its samples over
//! all the profile's samples, every thread's.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// Lines a profile keeps, the busiest first.
pub const TOP_LINES: usize = 8;

/// One source line's part of a profile: a Rust rung's from pprof's samples, or the
/// pure-Python rung's from `line_profiler` (with its hits and seconds, as `%lprun`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineShare {
    /// The file, relative to the workspace.
    pub file: String,
    /// 1-based line number.
    pub line: u32,
    /// Its part of the fit: samples over all the profile's samples (Rust), or its time
    /// over the whole fit's (Python).
    pub share: f64,
    /// The line's text, trimmed (empty when the file cannot be read).
    pub source: String,
    /// Samples charged to it (Rust).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub samples: Option<u64>,
    /// The function it is in (Python).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    /// Times it ran (Python).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hits: Option<u64>,
    /// Seconds spent on it, calls included (Python).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds: Option<f64>,
}

/// The [`TOP_LINES`] busiest lines of the sources under `root` in `report`.
pub fn top_lines(report: &pprof::Report, root: &Path) -> Vec<LineShare> {
    let stacks = report.data.iter().map(|(frames, &count)| {
        let own = frames
            .frames
            .iter()
            .flatten()
            .find_map(|s| own_line(s.filename.as_deref()?, s.lineno?, root));
        (own, count.max(0) as u64)
    });
    lines_of(stacks, root)
}

/// The busiest lines of `stacks` (each sample's own line, if any, and its count).
fn lines_of(
    stacks: impl Iterator<Item = (Option<(String, u32)>, u64)>,
    root: &Path,
) -> Vec<LineShare> {
    let (mut total, mut per_line) = (0u64, HashMap::<(String, u32), u64>::new());
    for (own, count) in stacks {
        total += count;
        if let Some(key) = own {
            *per_line.entry(key).or_default() += count;
        }
    }
    let mut lines: Vec<((String, u32), u64)> = per_line.into_iter().collect();
    lines.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    lines.truncate(TOP_LINES);
    lines
        .into_iter()
        .map(|((file, line), samples)| LineShare {
            source: source_line(&root.join(&file), line),
            share: samples as f64 / total.max(1) as f64,
            file,
            line,
            samples: Some(samples),
            function: None,
            hits: None,
            seconds: None,
        })
        .collect()
}

/// `file:line` relative to `root` when `file` is one of the workspace's own sources (not
/// a dependency's, not generated under `target/`, not one of the [`TRANSPARENT`] ones);
/// a relative `file` is relative to `root`, as rustc names the workspace's files when
/// cargo runs it there.
fn own_line(file: &Path, line: u32, root: &Path) -> Option<(String, u32)> {
    let rel = match file.is_relative() {
        true => file,
        false => file.strip_prefix(root).ok()?,
    };
    let first = rel.components().next()?.as_os_str();
    let transparent = TRANSPARENT.iter().any(|t| rel.starts_with(t));
    (first != "target" && !transparent).then(|| (rel.display().to_string(), line))
}

/// Sources whose lines are charged to their caller's: the measuring code (the benches,
/// the bench's counting allocator — an allocation's time belongs to the line that
/// allocates) and the SIMD primitives, one intrinsic to a line, whose time belongs to
/// the kernel line that uses them.
const TRANSPARENT: [&str; 3] = [
    "benches",
    "crates/harness/src/memory.rs",
    "crates/parallel/src/isa",
];

/// Line `line` (1-based) of `path`, trimmed; empty if unreadable.
fn source_line(path: &Path, line: u32) -> String {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| {
            Some(
                text.lines()
                    .nth(line.checked_sub(1)? as usize)?
                    .trim()
                    .to_string(),
            )
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charges_each_sample_to_its_own_line_and_ranks_them() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let this = "src/line_profile.rs".to_string();
        let stacks = vec![
            (Some((this.clone(), 1)), 6),
            (Some((this.clone(), 2)), 3),
            (Some((this.clone(), 1)), 2),
            (None, 1),
        ];
        let lines = lines_of(stacks.into_iter(), root);
        assert_eq!(lines.len(), 2);
        assert_eq!((lines[0].line, lines[0].samples), (1, Some(8)));
        assert!((lines[0].share - 8.0 / 12.0).abs() < 1e-12);
        assert!(lines[0].source.starts_with("//! The seed's `%lprun`"));
        assert_eq!((lines[1].line, lines[1].samples), (2, Some(3)));
    }

    #[test]
    fn only_the_workspace_sources_are_its_own() {
        let root = Path::new("/w");
        assert_eq!(
            own_line(Path::new("/w/crates/naive/src/lib.rs"), 9, root),
            Some(("crates/naive/src/lib.rs".into(), 9))
        );
        assert_eq!(
            own_line(Path::new("crates/core/src/lib.rs"), 3, root),
            Some(("crates/core/src/lib.rs".into(), 3))
        );
        assert_eq!(own_line(Path::new("/w/target/x.rs"), 9, root), None);
        assert_eq!(own_line(Path::new("/w/benches/ladder.rs"), 9, root), None);
        let allocator = Path::new("/w/crates/harness/src/memory.rs");
        assert_eq!(own_line(allocator, 9, root), None);
        let intrinsic = Path::new("/w/crates/parallel/src/isa/avx512.rs");
        assert_eq!(own_line(intrinsic, 9, root), None);
        assert_eq!(
            own_line(Path::new("/rustc/abc/library/core/x.rs"), 9, root),
            None
        );
    }
}
