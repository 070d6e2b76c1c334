//! Positions in a text: byte offsets to 1-based line and column, with the line starts indexed once
//! so that placing a finding costs the same in a 20-line migration and a 500,000-line dump.

/// Bytes per block of the character-count checkpoints of a non-ASCII text.
const CHECKPOINT_BYTES: usize = 4096;

/// Maps byte offsets of one text to 1-based line and column (columns count characters).
///
/// Built in one pass over the text; a lookup is a binary search over the line starts plus, for a
/// text that is not pure ASCII, a character count of at most [`CHECKPOINT_BYTES`] bytes — never
/// a scan of the whole line, however long.
#[derive(Debug, Clone)]
pub struct LineIndex<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
    /// Characters before each `CHECKPOINT_BYTES` boundary (empty for ASCII text, where
    /// characters are bytes).
    chars_before: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    /// Indexes the line starts of `text`.
    pub fn new(text: &'a str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
            .collect();
        let chars_before = if text.is_ascii() {
            Vec::new()
        } else {
            checkpoints(text)
        };
        LineIndex {
            text,
            line_starts,
            chars_before,
        }
    }

    /// 1-based (line, column) of a byte offset (clamped to the text).
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(self.text, offset.min(self.text.len()));
        let line = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let start = self.line_starts[line];
        (
            line + 1,
            self.chars_up_to(offset) - self.chars_up_to(start) + 1,
        )
    }

    /// The text of 1-based line `line`, without its line ending.
    pub fn line_text(&self, line: usize) -> &'a str {
        let start = self.line_starts[line - 1];
        let end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    /// Characters before byte `offset` (a character boundary).
    fn chars_up_to(&self, offset: usize) -> usize {
        if self.chars_before.is_empty() {
            return offset;
        }
        let block = offset / CHECKPOINT_BYTES;
        let from = floor_char_boundary(self.text, block * CHECKPOINT_BYTES);
        self.chars_before[block] + self.text[from..offset].chars().count()
    }
}

/// Characters before each multiple of [`CHECKPOINT_BYTES`] (rounded down to a character start).
fn checkpoints(text: &str) -> Vec<usize> {
    let mut out = Vec::with_capacity(text.len() / CHECKPOINT_BYTES + 1);
    let mut chars = 0;
    let mut previous = 0;
    for block in 0..=text.len() / CHECKPOINT_BYTES {
        let boundary = floor_char_boundary(text, block * CHECKPOINT_BYTES);
        chars += text[previous..boundary].chars().count();
        out.push(chars);
        previous = boundary;
    }
    out
}

/// The largest character boundary of `text` at or before `offset`.
fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_counts_characters_and_crlf() {
        let text = "ab\r\nçd\nx";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(0), (1, 1));
        assert_eq!(index.line_col(4), (2, 1));
        assert_eq!(index.line_col(6), (2, 2));
        assert_eq!(index.line_text(1), "ab");
        assert_eq!(index.line_text(3), "x");
    }

    #[test]
    fn columns_match_a_character_count_on_long_non_ascii_lines() {
        let mut text = String::new();
        for i in 0..3000 {
            text.push_str(if i % 7 == 0 { "é€x" } else { "ab" });
            if i % 1000 == 999 {
                text.push('\n');
            }
        }
        let index = LineIndex::new(&text);
        for offset in (0..text.len()).filter(|&o| text.is_char_boundary(o)) {
            let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            let line = text[..offset].matches('\n').count() + 1;
            let column = text[line_start..offset].chars().count() + 1;
            assert_eq!(index.line_col(offset), (line, column), "offset {offset}");
        }
    }
}
