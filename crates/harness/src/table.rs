//! A markdown table, built from rows of cells: the one way the harness writes tables.

use std::fmt::Write;

/// How a column's cells are aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text.
    Left,
    /// Numbers.
    Right,
    /// Yes / no.
    Center,
}

/// A table: its columns, then rows of cells in the same order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    columns: Vec<(String, Align)>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers.
    pub fn new(columns: &[(&str, Align)]) -> Self {
        Self {
            columns: columns.iter().map(|(h, a)| (h.to_string(), *a)).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; it must have a cell per column.
    pub fn push(&mut self, cells: Vec<String>) {
        assert_eq!(cells.len(), self.columns.len(), "a cell per column");
        self.rows.push(cells);
    }

    /// The column headers.
    pub fn headers(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().map(|(h, _)| h.as_str())
    }

    /// The rows.
    pub fn rows(&self) -> &[Vec<String>] {
        &self.rows
    }

    /// The table in markdown, a line per row.
    pub fn to_markdown(&self) -> String {
        let line = |cells: &mut dyn Iterator<Item = &str>| {
            let cells: Vec<&str> = cells.collect();
            format!("| {} |\n", cells.join(" | "))
        };
        let mut s = line(&mut self.headers());
        let rule: Vec<&str> = self
            .columns
            .iter()
            .map(|(_, a)| match a {
                Align::Left => "---",
                Align::Right => "---:",
                Align::Center => ":---:",
            })
            .collect();
        let _ = writeln!(s, "|{}|", rule.join("|"));
        for row in &self.rows {
            s += &line(&mut row.iter().map(String::as_str));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_markdown_with_alignment() {
        let mut t = Table::new(&[("stage", Align::Left), ("ms", Align::Right)]);
        t.push(vec!["naive".into(), "15.0".into()]);
        assert_eq!(
            t.to_markdown(),
            "| stage | ms |\n|---|---:|\n| naive | 15.0 |\n"
        );
    }
}
