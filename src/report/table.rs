//! Aligned text tables for the terminal.

use std::io::{self, Write};

use crate::text::truncate;

/// A column: its title, the widest it may grow, and whether numbers align right.
pub struct Column {
    pub title: &'static str,
    pub max_width: usize,
    pub right: bool,
}

impl Column {
    pub const fn left(title: &'static str, max_width: usize) -> Self {
        Column {
            title,
            max_width,
            right: false,
        }
    }

    pub const fn right(title: &'static str) -> Self {
        Column {
            title,
            max_width: 12,
            right: true,
        }
    }
}

/// Writes rows under a header, each column as wide as its widest cell (up to its maximum).
pub fn write(out: &mut impl Write, columns: &[Column], rows: &[Vec<String>]) -> io::Result<()> {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            row.iter()
                .zip(columns)
                .map(|(cell, column)| truncate(cell, column.max_width))
                .collect()
        })
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, column)| {
            cells
                .iter()
                .map(|row| row[i].chars().count())
                .chain([column.title.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let header: Vec<String> = columns.iter().map(|c| c.title.to_string()).collect();
    for row in std::iter::once(&header).chain(cells.iter()) {
        let mut line = String::new();
        for (i, (cell, column)) in row.iter().zip(columns).enumerate() {
            let pad = widths[i] - cell.chars().count();
            if i > 0 {
                line.push_str("  ");
            }
            if column.right {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            } else {
                line.push_str(cell);
                if i + 1 < columns.len() {
                    line.push_str(&" ".repeat(pad));
                }
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_and_long_cells_are_cut() {
        let columns = [Column::left("call", 8), Column::right("ms")];
        let rows = vec![
            vec!["res.users.read".to_string(), "61".to_string()],
            vec!["x".to_string(), "1200".to_string()],
        ];
        let mut out = Vec::new();
        write(&mut out, &columns, &rows).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "call        ms\nres.use…    61\nx         1200\n"
        );
    }
}
