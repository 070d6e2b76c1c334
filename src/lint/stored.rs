//! The texts the report may need, kept small while the rule pass moves on.
//!
//! Renderers quote a file only where a finding or a lock points into it, yet every file's text
//! used to stay in memory until the report: 36 MB for a history of 14,000 migrations, more than
//! its symbol table. The rule pass drops each text once its file is done and keeps only what
//! brings it back ([`Keep`]): for a file read from disk its length and a digest (the report
//! reads it again, and refuses a file that changed meanwhile); for a text given in memory a
//! compressed copy (lz4: fast, about a quarter of the size on SQL), made on a worker.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use super::{SourceFile, discover};

/// How the report gets a file's text back.
#[derive(Debug, Clone, Copy)]
pub enum Keep {
    /// Compressed in memory (texts that were never on disk).
    Compressed,
    /// Read again from disk, at most this many bytes, as the pipeline read it.
    Reread {
        /// The size limit the first read applied.
        max_file_bytes: u64,
    },
}

/// What brings one file's text back.
#[derive(Debug)]
pub struct StoredText {
    path: PathBuf,
    len: usize,
    kept: Kept,
}

#[derive(Debug)]
enum Kept {
    Compressed(Vec<u8>),
    OnDisk { digest: u64, max_file_bytes: u64 },
}

impl StoredText {
    /// Keeps what brings `source`'s text back, as `keep` says.
    pub fn of(source: &SourceFile, keep: Keep) -> StoredText {
        let kept = match keep {
            Keep::Compressed => Kept::Compressed(lz4_flex::block::compress(source.text.as_bytes())),
            Keep::Reread { max_file_bytes } => Kept::OnDisk {
                digest: digest(&source.text),
                max_file_bytes,
            },
        };
        StoredText {
            path: source.path.clone(),
            len: source.text.len(),
            kept,
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file with its text back; an error when the file on disk is no longer the one linted.
    pub fn restore(self) -> Result<SourceFile> {
        let text = match self.kept {
            Kept::Compressed(compressed) => {
                let bytes = lz4_flex::block::decompress(&compressed, self.len)
                    .expect("lz4 round trip of a text compressed in this process");
                String::from_utf8(bytes).expect("the text was UTF-8 when compressed")
            }
            Kept::OnDisk {
                digest: linted,
                max_file_bytes,
            } => {
                let changed = || {
                    format!(
                        "{}: changed while eventos lint was reading it; lint it again once it \
                         stops changing",
                        self.path.display()
                    )
                };
                let Ok(text) = discover::read_migration(&self.path, max_file_bytes) else {
                    bail!(changed());
                };
                if text.len() != self.len || digest(&text) != linted {
                    bail!(changed());
                }
                text
            }
        };
        Ok(SourceFile {
            path: self.path,
            text,
        })
    }

    /// The file without its text (the report points nowhere into it).
    pub fn without_text(self) -> SourceFile {
        SourceFile {
            path: self.path,
            text: String::new(),
        }
    }
}

/// A digest of `text`, to tell whether a file read again is the one linted: XXH3, several
/// times faster than SipHash over a whole history's text (read twice: once linted, once
/// reported).
fn digest(text: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(text.as_bytes())
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
            let stored = StoredText::of(&source, Keep::Compressed);
            let Kept::Compressed(compressed) = &stored.kept else {
                unreachable!("asked for a compressed copy")
            };
            assert!(compressed.len() <= source.text.len() / 4 + 16, "{text:?}");
            let back = stored.restore().unwrap();
            assert_eq!((back.path, back.text), (source.path, source.text));
        }
    }

    #[test]
    fn a_file_is_read_again_and_refused_once_it_changed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("V1__a.sql");
        let keep = Keep::Reread {
            max_file_bytes: 1 << 20,
        };
        std::fs::write(&path, "\u{feff}create table t (id int);\n").unwrap();
        let source = SourceFile {
            text: discover::read_migration(&path, 1 << 20).unwrap(),
            path: path.clone(),
        };
        let back = StoredText::of(&source, keep).restore().unwrap();
        assert_eq!(back.text, "create table t (id int);\n");
        for edit in [
            "create table u (id int);\n",
            "create table t (id bigint);\n",
            "",
        ] {
            std::fs::write(&path, edit).unwrap();
            let err = StoredText::of(&source, keep).restore().unwrap_err();
            assert_eq!(
                err.to_string(),
                format!(
                    "{}: changed while eventos lint was reading it; lint it again once it stops \
                     changing",
                    path.display()
                )
            );
        }
        std::fs::remove_file(&path).unwrap();
        assert!(StoredText::of(&source, keep).restore().is_err());
    }
}
