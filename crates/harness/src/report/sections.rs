//! Pieces the markdown and the HTML page both show: the line-profile tables, the heap
//! figures, and what they mean.

use super::{Language, Row, fmt_seconds};
use crate::table::{Align, Table};

/// How the heap column is measured.
pub const MEMORY_NOTE: &str = "\"peak heap\" is the most memory a fit held allocated at \
    once beyond its input: for the Rust rows, counted by the bench's global allocator \
    over one fit on every thread; for the Python rows, tracemalloc's peak over one fit \
    (what Python and NumPy allocate; native libraries' own buffers — faiss, oneDAL, \
    numba's runtime — are not seen).";

/// How the line profiles are made.
pub const LINE_PROFILE_NOTE: &str = "The seed's `%lprun`, for every rung. A Rust rung's \
    lines come from the same pprof samples as its flamegraph: each sample is charged to \
    the innermost line of the project's own sources on its stack (inlined code included, \
    so a call into the standard library, or into a one-intrinsic SIMD wrapper, counts on \
    the line that makes it); a line's share is its samples over all the profile's, every \
    thread's. The pure-Python rung's \
    is line_profiler's own table over the seed's four functions, from one fit in the same \
    run (its time includes the calls a line makes, as `%lprun`'s does, and runs slower \
    than the timed fits: line_profiler's overhead).";

/// A byte count in binary units: `512 B`, `4.0 KiB`, `1.25 MiB`.
pub fn bytes(b: u64) -> String {
    match b as f64 {
        x if x >= 1024.0 * 1024.0 * 1024.0 => format!("{:.2} GiB", x / (1u64 << 30) as f64),
        x if x >= 1024.0 * 1024.0 => format!("{:.2} MiB", x / (1u64 << 20) as f64),
        x if x >= 1024.0 => format!("{:.1} KiB", x / 1024.0),
        x => format!("{x} B"),
    }
}

/// A row's line profile as a table: `%lprun`'s columns for Python, the sampled share
/// for Rust; the line's text as a code span for markdown, as it is for HTML.
pub fn line_table(r: &Row, markdown: bool) -> Table {
    let code = |s: &str| match markdown {
        true => code(s),
        false => s.to_string(),
    };
    match r.language {
        Language::Rust => {
            let mut t = Table::new(&[
                ("% of the fit", Align::Right),
                ("samples", Align::Right),
                ("file:line", Align::Left),
                ("line contents", Align::Left),
            ]);
            for l in &r.line_profile {
                t.push(vec![
                    format!("{:.1} %", 100.0 * l.share),
                    l.samples.map_or(String::new(), |s| s.to_string()),
                    format!("{}:{}", l.file, l.line),
                    code(&l.source),
                ]);
            }
            t
        }
        Language::Python => {
            let mut t = Table::new(&[
                ("function", Align::Left),
                ("line #", Align::Right),
                ("hits", Align::Right),
                ("time", Align::Right),
                ("per hit", Align::Right),
                ("% time", Align::Right),
                ("line contents", Align::Left),
            ]);
            for l in &r.line_profile {
                let (hits, seconds) = (l.hits.unwrap_or(0), l.seconds.unwrap_or(0.0));
                t.push(vec![
                    l.function.clone().unwrap_or_default(),
                    l.line.to_string(),
                    hits.to_string(),
                    fmt_seconds(seconds),
                    match hits {
                        0 => "—".into(),
                        h => fmt_seconds(seconds / h as f64),
                    },
                    format!("{:.1}", 100.0 * l.share),
                    code(&l.source),
                ]);
            }
            t
        }
    }
}

/// Source text as a markdown code span that survives a table: pipes escaped, backticks
/// kept out of the span.
fn code(source: &str) -> String {
    match source.is_empty() {
        true => String::new(),
        false => format!("`{}`", source.replace('`', "'").replace('|', "\\|")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_in_binary_units() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(4096), "4.0 KiB");
        assert_eq!(bytes(3 << 20), "3.00 MiB");
    }

    #[test]
    fn source_survives_a_table_cell() {
        assert_eq!(code("a || b"), "`a \\|\\| b`");
    }
}
