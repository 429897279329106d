//! CSV text of points: one point per line, fields split by a comma, tab, semicolon or
//! whitespace (detected from the first lines, or given). Points are numbers, so a line
//! is split by hand: a field's surrounding spaces and double quotes are dropped; blank
//! lines and lines starting with `#` are skipped; a first line without a single number
//! is a header. Writing uses the `csv` crate.

use std::fmt;
use std::io::Write;
use std::path::Path;
use std::str::FromStr;

use ladder_core::Matrix;
use thiserror::Error;

use super::{Format, IoError, Loaded, shorten};

/// Lines looked at to detect the delimiter.
const SNIFF_LINES: usize = 20;

/// How the fields of a line are separated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delimiter {
    /// `,`
    Comma,
    /// A tab.
    Tab,
    /// `;`
    Semicolon,
    /// Any run of spaces and tabs.
    Whitespace,
}

impl Delimiter {
    /// Every delimiter, in the order detection tries them.
    pub const ALL: [Delimiter; 4] = [
        Delimiter::Comma,
        Delimiter::Tab,
        Delimiter::Semicolon,
        Delimiter::Whitespace,
    ];

    /// The fields of `line`, trimmed and unquoted.
    fn fields(self, line: &str) -> Vec<&str> {
        match self {
            Delimiter::Comma => line.split(',').map(unquote).collect(),
            Delimiter::Tab => line.split('\t').map(unquote).collect(),
            Delimiter::Semicolon => line.split(';').map(unquote).collect(),
            Delimiter::Whitespace => line.split_whitespace().map(unquote).collect(),
        }
    }

    /// The name users type and messages use.
    pub fn name(self) -> &'static str {
        match self {
            Delimiter::Comma => "comma",
            Delimiter::Tab => "tab",
            Delimiter::Semicolon => "semicolon",
            Delimiter::Whitespace => "whitespace",
        }
    }
}

fn unquote(field: &str) -> &str {
    let field = field.trim();
    field
        .strip_prefix('"')
        .and_then(|f| f.strip_suffix('"'))
        .map_or(field, str::trim)
}

impl fmt::Display for Delimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A `--delimiter` that is not one of the [`Delimiter`]s.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown delimiter {0:?}; use comma, tab, semicolon or whitespace (or , ; and a tab)")]
pub struct UnknownDelimiter(pub String);

impl FromStr for Delimiter {
    type Err = UnknownDelimiter;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "," | "comma" => Ok(Delimiter::Comma),
            "\t" | "\\t" | "tab" => Ok(Delimiter::Tab),
            ";" | "semicolon" => Ok(Delimiter::Semicolon),
            " " | "space" | "whitespace" => Ok(Delimiter::Whitespace),
            _ => Err(UnknownDelimiter(shorten(s, 20))),
        }
    }
}

/// A number written with a decimal comma (`1,5`, `-0,25`).
fn decimal_comma(field: &str) -> bool {
    field.split_once(',').is_some_and(|(int, frac)| {
        is_number(int) && !frac.is_empty() && frac.bytes().all(|b| b.is_ascii_digit())
    })
}

fn is_number(field: &str) -> bool {
    field.parse::<f64>().is_ok()
}

/// The delimiter that splits every sampled line into the same number (> 1) of numbers;
/// failing that, one that gives the same number of fields; failing that, a comma (one
/// column, or a ragged file the reader will point at).
fn detect(lines: &[&str]) -> Delimiter {
    let body = if lines.len() > 1 { &lines[1..] } else { lines };
    let consistent = |d: Delimiter| {
        let count = d.fields(lines[0]).len();
        count > 1 && lines.iter().all(|l| d.fields(l).len() == count)
    };
    // Decimal commas count as numbers here, so that their message names them.
    let number = |f: &str| is_number(f) || decimal_comma(f);
    let numeric = |d: Delimiter| body.iter().all(|l| d.fields(l).into_iter().all(number));
    let all = Delimiter::ALL.into_iter();
    all.clone()
        .find(|&d| consistent(d) && numeric(d))
        .or_else(|| all.clone().find(|&d| consistent(d)))
        .unwrap_or(Delimiter::Comma)
}

/// The data lines of `bytes` (neither blank nor `#` comments), trimmed, with their
/// line numbers from 1; a line that is not UTF-8 is an error where it stands.
fn data_lines<'a>(
    name: &'a Path,
    bytes: &'a [u8],
) -> impl Iterator<Item = Result<(usize, &'a str), IoError>> + 'a {
    let lines = bytes.split(|&b| b == b'\n').enumerate();
    lines.filter_map(move |(index, line)| {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        match std::str::from_utf8(line).map(str::trim) {
            Err(_) => Some(Err(IoError::Csv {
                path: name.into(),
                line: index + 1,
                reason: "it is not UTF-8 text; save the file as UTF-8".into(),
            })),
            Ok(text) if text.is_empty() || text.starts_with('#') => None,
            Ok(text) => Some(Ok((index + 1, text))),
        }
    })
}

/// The value of the `column`-th field (from 0) of a line split by `delimiter`, or why
/// it is not a number.
fn number(field: &str, column: usize, delimiter: Delimiter) -> Result<f64, String> {
    let shown = shorten(field, 24);
    match field.parse::<f64>() {
        Ok(v) if v.is_infinite() && !field.to_ascii_lowercase().contains("inf") => Err(format!(
            "{shown:?} is beyond float64's range (±1.8e308); rescale the data"
        )),
        Ok(v) => Ok(v),
        Err(_) if field.is_empty() => Err(format!(
            "field {} is empty; every field must be a number (a stray {delimiter}?)",
            column + 1
        )),
        Err(_) if decimal_comma(field) => Err(format!(
            "{shown:?} has a decimal comma; write numbers with a point (1.5), or give --delimiter if the comma separates fields"
        )),
        Err(_) => Err(format!(
            "{shown:?} is not a number; every field must be a decimal number ({delimiter} delimited; see --delimiter)"
        )),
    }
}

/// The points of CSV `bytes` from an input called `name`, split by `delimiter` (detected
/// when `None`). The lines are read as they come; only the first few are sampled.
pub fn parse_csv(
    name: &Path,
    bytes: &[u8],
    delimiter: Option<Delimiter>,
) -> Result<Loaded, IoError> {
    if bytes[..bytes.len().min(8192)].contains(&0) {
        return Err(IoError::Binary { path: name.into() });
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let bad = |line: usize, reason: String| IoError::Csv {
        path: name.into(),
        line,
        reason,
    };
    let sample = data_lines(name, bytes).take(SNIFF_LINES);
    let sample: Vec<&str> = sample
        .map(|l| l.map(|(_, text)| text))
        .collect::<Result<_, _>>()?;
    let delimiter = match (delimiter, sample.first()) {
        (Some(d), _) => d,
        (None, None) => return Err(IoError::Empty { path: name.into() }),
        (None, Some(_)) => detect(&sample),
    };
    let header = sample
        .first()
        .is_some_and(|l| !delimiter.fields(l).into_iter().any(is_number));
    let mut data = Vec::new();
    let mut d = None;
    for item in data_lines(name, bytes).skip(usize::from(header)) {
        let (line, text) = item?;
        let fields = delimiter.fields(text);
        let expected = *d.get_or_insert(fields.len());
        if fields.len() != expected {
            return Err(bad(
                line,
                format!(
                    "{} values, but earlier rows have {expected}; every row needs the same number of features ({delimiter} delimited)",
                    fields.len()
                ),
            ));
        }
        for (column, field) in fields.into_iter().enumerate() {
            data.push(number(field, column, delimiter).map_err(|reason| bad(line, reason))?);
        }
    }
    let Some(d) = d else {
        return Err(IoError::Empty { path: name.into() });
    };
    Ok(Loaded {
        points: Matrix::new(data, d).expect("rows checked to have d > 0 values"),
        format: Format::Csv { delimiter, header },
    })
}

/// The CSV text of points, into `w`: one row per point, in shortest round-trip decimals
/// (reading the file back gives the same bits).
pub(super) fn points_csv(points: &Matrix, w: &mut dyn Write) -> std::io::Result<()> {
    let mut writer = ::csv::Writer::from_writer(w);
    for row in points.view().rows() {
        writer.write_record(row.iter().map(|x| format!("{x:?}")))?;
    }
    writer.flush()
}
