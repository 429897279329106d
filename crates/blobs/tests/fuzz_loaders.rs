//! Property-based fuzzing of the loaders (`.npy` header and data, CSV text): whatever
//! the bytes, [`parse_points`] returns points of consistent shape or one short line of
//! error naming the input — never a panic, a hang or a huge allocation. Each property
//! runs `LADDER_FUZZ_CASES` inputs (20 000 by default, about a second); a campaign sets it
//! to millions (`LADDER_FUZZ_CASES=1000000 cargo test --release -p ladder-blobs --test
//! fuzz_loaders`).

use std::path::Path;

use ladder_blobs::io::{Delimiter, IoError, ReadOptions, parse_points};
use ladder_test_support::npy_header;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};

fn config() -> Config {
    let cases = std::env::var("LADDER_FUZZ_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(20_000);
    Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..Config::default()
    }
}

/// What every answer must be: consistent points, or one line about the input.
fn check(name: &str, bytes: &[u8], delimiter: Option<Delimiter>) -> Result<(), TestCaseError> {
    let options = ReadOptions { delimiter };
    match parse_points(Path::new(name), bytes, &options) {
        Ok(loaded) => {
            let m = &loaded.points;
            prop_assert!(m.n() >= 1 && m.d() >= 1);
            prop_assert_eq!(m.as_slice().len(), m.n() * m.d());
        }
        Err(err) => {
            let message = err.to_string();
            prop_assert!(message.starts_with(name), "{}", message);
            prop_assert!(!message.contains('\n'), "{}", message);
            prop_assert!(message.len() < 300, "{} chars: {}", message.len(), message);
            let about_the_system = matches!(err, IoError::Io { .. } | IoError::NotFound { .. });
            prop_assert!(!about_the_system, "{}", message);
        }
    }
    Ok(())
}

/// A valid `.npy` file of a small array (some dtypes and orders this reader refuses).
fn npy_file() -> impl Strategy<Value = Vec<u8>> {
    let descr = prop::sample::select(vec!["<f8", ">f8", "<f4", ">f4", "<i8", "|u1", "<f2", "=f8"]);
    let shape = prop::collection::vec(0usize..5, 0..4);
    (
        descr,
        any::<bool>(),
        shape,
        prop::collection::vec(any::<u8>(), 0..200),
    )
        .prop_map(|(descr, fortran, shape, data)| {
            let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
            let tuple = match dims.len() {
                1 => format!("({},)", dims[0]),
                _ => format!("({})", dims.join(", ")),
            };
            let order = if fortran { "True" } else { "False" };
            let dict =
                format!("{{'descr': '{descr}', 'fortran_order': {order}, 'shape': {tuple}, }}");
            let mut bytes = npy_header(&dict);
            let size = if descr.ends_with('8') { 8 } else { 4 };
            let want = shape.iter().product::<usize>() * size;
            bytes.extend(data.iter().cycle().take(want));
            bytes
        })
}

/// `bytes` with a few bytes flipped, a piece cut out, or cut short.
fn mutated(bytes: impl Strategy<Value = Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    let edits = prop::collection::vec((any::<usize>(), any::<u8>(), 0u8..4), 0..6);
    (bytes, edits).prop_map(|(mut bytes, edits)| {
        for (at, byte, kind) in edits {
            if bytes.is_empty() {
                break;
            }
            let at = at % bytes.len();
            match kind {
                0 => bytes[at] = byte,
                1 => bytes.truncate(at),
                2 => bytes.insert(at, byte),
                _ => drop(bytes.drain(at..(at + usize::from(byte) % 8).min(bytes.len()))),
            }
        }
        bytes
    })
}

/// A header dictionary made of numpy's tokens in any order.
fn token_header() -> impl Strategy<Value = Vec<u8>> {
    let tokens = prop::sample::select(vec![
        "{",
        "}",
        "(",
        ")",
        "[",
        "]",
        ",",
        ":",
        " ",
        "'descr'",
        "'<f8'",
        "'<f4'",
        "'shape'",
        "'fortran_order'",
        "True",
        "False",
        "0",
        "3",
        "-1",
        "99999999999999999999",
        "1e5",
        "'",
        "\"",
        "\\",
        "None",
        "b'x'",
        "\u{e9}",
    ]);
    prop::collection::vec(tokens, 0..40).prop_map(|t| npy_header(&t.concat()))
}

/// CSV-like text: numbers, delimiters, quotes, comments, junk.
fn csv_text() -> impl Strategy<Value = Vec<u8>> {
    let tokens = prop::sample::select(vec![
        "1", "-2.5", "3e10", "1e300", "nan", "inf", ".", "e", "-", ",", ";", "\t", " ", "\n",
        "\r\n", "\"", "#", "x", "\u{feff}", "\u{e9}", "0x10", "1_0", "", "\u{0}",
    ]);
    prop::collection::vec(tokens, 0..60).prop_map(|t| t.concat().into_bytes())
}

fn delimiter() -> impl Strategy<Value = Option<Delimiter>> {
    prop::option::of(prop::sample::select(Delimiter::ALL.to_vec()))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300), d in delimiter()) {
        check("any.bin", &bytes, d)?;
        let mut npy = b"\x93NUMPY".to_vec();
        npy.extend_from_slice(&bytes);
        check("any.npy", &npy, d)?;
    }

    #[test]
    fn mutated_npy_files(bytes in mutated(npy_file())) {
        check("m.npy", &bytes, None)?;
    }

    #[test]
    fn npy_headers_of_shuffled_tokens(bytes in mutated(token_header())) {
        check("t.npy", &bytes, None)?;
    }

    #[test]
    fn csv_texts(bytes in mutated(csv_text()), d in delimiter()) {
        check("c.csv", &bytes, d)?;
    }
}
