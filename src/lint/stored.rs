//! The texts the report may need, kept small while the rule pass moves on.
//!
//! Renderers quote a file only where a finding or a lock points into it, yet every file's text
//! used to stay in memory until the report: 36 MB for a history of 14,000 migrations, more than
//! its symbol table. A worker compresses each file as it prepares it (lz4: fast, about a quarter
//! of the size on SQL), the rule pass drops the text once the file is done, and the report
//! decompresses only the files it points into.

use std::path::PathBuf;

use super::SourceFile;

/// A file's text, compressed.
#[derive(Debug)]
pub struct StoredText {
    path: PathBuf,
    len: usize,
    compressed: Vec<u8>,
}

impl StoredText {
    /// Compresses `source`'s text.
    pub fn of(source: &SourceFile) -> StoredText {
        StoredText {
            path: source.path.clone(),
            len: source.text.len(),
            compressed: lz4_flex::block::compress(source.text.as_bytes()),
        }
    }

    /// The file's path.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// The file with its text back.
    pub fn restore(self) -> SourceFile {
        let bytes = lz4_flex::block::decompress(&self.compressed, self.len)
            .expect("lz4 round trip of a text compressed in this process");
        let text = String::from_utf8(bytes).expect("the text was UTF-8 when compressed");
        SourceFile {
            path: self.path,
            text,
        }
    }

    /// The file without its text (the report points nowhere into it).
    pub fn without_text(self) -> SourceFile {
        SourceFile {
            path: self.path,
            text: String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_comes_back_byte_for_byte() {
        for text in ["", "select 1;", "-- é ☃ 𝄞\ncreate table t (id int);\n"] {
            let source = SourceFile {
                path: PathBuf::from("a.sql"),
                text: text.repeat(1000),
            };
            let stored = StoredText::of(&source);
            assert!(
                stored.compressed.len() <= source.text.len() / 4 + 16,
                "{text:?}"
            );
            let back = stored.restore();
            assert_eq!((back.path, back.text), (source.path, source.text));
        }
    }
}
