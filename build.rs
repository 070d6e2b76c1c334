//! Compiles `src/sql/tree_writer.c` (lint's parse-tree serialiser, see its header comment)
//! against the libpg_query sources the pinned `pg_query` crate ships and builds, and generates
//! the protobuf field numbers it writes from that crate's `pg_query.proto`; in release builds,
//! links the functions lint runs next to each other (`layout/lint-hot-functions.txt`).

use std::collections::BTreeMap;
use std::env;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/sql/tree_writer.c");
    println!("cargo:rerun-if-env-changed=EVENTOS_PG_QUERY_SRC");
    // Relative relocations in the compact DT_RELR form (glibc >= 2.36; GNU ld >= 2.38 and lld
    // know the flag): the position-independent binary keeps ASLR, and its startup no longer
    // dirties ~0.4 MB of `.rela.dyn` plus the pages the relocations patch (docs/benchmarks.md).
    println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets it"));
    println!("cargo:rerun-if-env-changed=EVENTOS_LINK_LAYOUT");
    let layout_wanted = env::var("EVENTOS_LINK_LAYOUT").as_deref() != Ok("0");
    if env::var("PROFILE").as_deref() == Ok("release") && layout_wanted {
        link_lint_code_together(&manifest, &out);
    }
    let libpg_query = pg_query_source(&manifest).join("libpg_query");
    let proto = libpg_query.join("protobuf/pg_query.proto");
    let text = std::fs::read_to_string(&proto)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", proto.display()));
    std::fs::write(out.join("tree_writer_fields.h"), fields_header(&text))
        .expect("write the field-number header");

    let mut build = cc::Build::new();
    build
        .file(manifest.join("src/sql/tree_writer.c"))
        .include(&out)
        .include(libpg_query.join("src/postgres/include"))
        .include(libpg_query.join("src/include"))
        .include(libpg_query.join("src"))
        .include(&libpg_query)
        // libpg_query's own flags, and its assertion setting for the same profile.
        .flag_if_supported("-fno-strict-aliasing")
        .flag_if_supported("-fwrapv")
        .warnings(false);
    if env::var("PROFILE").as_deref() == Ok("debug") || env::var("DEBUG").as_deref() == Ok("1") {
        build.define("USE_ASSERT_CHECKING", None);
    }
    build.compile("eventos_tree_writer");
}

/// Links the functions `eventos lint` runs (`layout/lint-hot-functions.txt`, written by
/// `scripts/layout-profile`) first and next to each other in `.text`: lint's pages of code are
/// then ~2 MB fewer (docs/benchmarks.md). A linker script that only inserts one output section
/// before `.text`; every other section stays where the default script puts it. Patterns that
/// match nothing (a function renamed since the profile) are ignored by the linker. GNU ld and
/// lld take the script; for a linker that does not (mold), build with `EVENTOS_LINK_LAYOUT=0`.
fn link_lint_code_together(manifest: &Path, out: &Path) {
    let list = manifest.join("layout/lint-hot-functions.txt");
    println!("cargo:rerun-if-changed={}", list.display());
    let text = std::fs::read_to_string(&list)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", list.display()));
    let mut script = String::from("SECTIONS\n{\n  .text.lint_hot :\n  {\n");
    for pattern in text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        writeln!(script, "    *(.text.{pattern} .text.unlikely.{pattern})")
            .expect("write to a String");
    }
    script.push_str("  }\n}\nINSERT BEFORE .text;\n");
    let path = out.join("lint-layout.ld");
    std::fs::write(&path, script).expect("write the linker script");
    // The C compiler driver hands `-T <script>` to the linker (no `-Wl,` list to split at a comma).
    println!("cargo:rustc-link-arg-bins=-T");
    println!("cargo:rustc-link-arg-bins={}", path.display());
}

/// The `pg_query` crate's source folder: `EVENTOS_PG_QUERY_SRC`, else the version `Cargo.lock`
/// pins, unpacked in Cargo's registry.
fn pg_query_source(manifest: &Path) -> PathBuf {
    if let Some(dir) = env::var_os("EVENTOS_PG_QUERY_SRC") {
        return PathBuf::from(dir);
    }
    let lock = std::fs::read_to_string(manifest.join("Cargo.lock")).expect("read Cargo.lock");
    let version = locked_version(&lock, "pg_query").expect("Cargo.lock pins pg_query");
    let cargo_home = env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
        .expect("CARGO_HOME or HOME is set");
    let registry = cargo_home.join("registry/src");
    let wanted = format!("pg_query-{version}");
    std::fs::read_dir(&registry)
        .into_iter()
        .flatten()
        .flatten()
        .map(|index| index.path().join(&wanted))
        .find(|dir| dir.join("libpg_query/pg_query.h").is_file())
        .unwrap_or_else(|| {
            panic!(
                "{wanted} is not unpacked under {}: set EVENTOS_PG_QUERY_SRC to its folder",
                registry.display()
            )
        })
}

/// The version `Cargo.lock` records for package `name`.
fn locked_version(lock: &str, name: &str) -> Option<String> {
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == format!("name = \"{name}\"") {
            let version = lines.next()?.trim().strip_prefix("version = \"")?;
            return Some(version.trim_end_matches('"').to_string());
        }
    }
    None
}

/// `#define PGQ_FIELD_<Message>__<field> <number>` for every field of every top-level message
/// of `pg_query.proto` (the members of `Node`'s oneof included).
fn fields_header(proto: &str) -> String {
    let mut fields = BTreeMap::new();
    let mut blocks: Vec<&str> = Vec::new();
    let mut pending = "other";
    let mut message = String::new();
    for line in proto.lines() {
        let line = line.split("//").next().unwrap_or("").trim();
        let words: Vec<&str> = line
            .split(|c: char| c.is_whitespace() || c == '{' || c == '}')
            .filter(|w| !w.is_empty())
            .collect();
        match words.first() {
            Some(&"message") if blocks.is_empty() => {
                message = words[1].to_string();
                pending = "message";
            }
            Some(&"oneof") => pending = "oneof",
            Some(&"message" | &"enum") => pending = "other",
            _ => {
                let in_message = matches!(blocks.as_slice(), ["message"] | ["message", "oneof"]);
                if let (true, Some((name, number))) = (in_message, field_of(line)) {
                    fields.insert(format!("{message}__{name}"), number);
                }
            }
        }
        for c in line.chars() {
            match c {
                '{' => blocks.push(std::mem::replace(&mut pending, "other")),
                '}' => {
                    blocks.pop();
                }
                _ => {}
            }
        }
    }
    // The Node member `float` is spelled `float_` where libpg_query's generated code names it.
    if let Some(&number) = fields.get("Node__float") {
        fields.insert("Node__float_".to_string(), number);
    }
    let mut header = String::from("/* Generated by build.rs from pg_query.proto. */\n");
    for (name, number) in fields {
        writeln!(header, "#define PGQ_FIELD_{name} {number}").expect("write to a String");
    }
    header
}

/// `(name, number)` of a field line `[repeated] Type name = 7 [...];`.
fn field_of(line: &str) -> Option<(String, u32)> {
    let (left, right) = line.split_once('=')?;
    let mut words: Vec<&str> = left.split_whitespace().collect();
    if words.first() == Some(&"repeated") {
        words.remove(0);
    }
    let [_, name] = words.as_slice() else {
        return None;
    };
    let digits: String = right
        .trim()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    Some((name.to_string(), digits.parse().ok()?))
}
