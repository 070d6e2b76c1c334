//! Plain aligned tables (`status`, `maintain`): a header row, columns padded to their widest
//! cell, two spaces between columns, no trailing blanks.

/// Renders `rows` (the first is the header) as aligned lines.
pub fn aligned<const N: usize>(rows: &[[String; N]]) -> String {
    let widths: Vec<usize> = (0..N)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    rows.iter()
        .map(|row| {
            let cells: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(cell, width)| format!("{cell:<width$}"))
                .collect();
            cells.join("  ").trim_end().to_string() + "\n"
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_on_their_widest_cell() {
        let rows = [
            ["A".to_string(), "LONG HEADER".into(), "".into()],
            ["wide cell".into(), "x".into(), "".into()],
        ];
        assert_eq!(aligned(&rows), "A          LONG HEADER\nwide cell  x\n");
    }
}
