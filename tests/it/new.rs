//! `eventos new`: version numbering within and across phases, the sum file rewritten, a new
//! file that lints clean and applies, refused names, a stale sum and a full phase.

use std::path::Path;

use crate::harness::{Pg, TestDb, copy_dir, eventos, fixture_copy, repo_root, stderr, stdout};

/// A writable copy of the repository's bundles (`sql/` with its sum file, and `plans/`).
fn bundles_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for folder in ["sql", "plans"] {
        copy_dir(&repo_root().join(folder), &dir.path().join(folder));
    }
    // The project's configuration: which phases are released decides the lock-safety rules.
    std::fs::copy(
        repo_root().join("eventos.toml"),
        dir.path().join("eventos.toml"),
    )
    .unwrap();
    dir
}

/// `eventos new <args>` in `dir`, which must succeed; returns its stdout.
fn new(dir: &Path, args: &[&str]) -> String {
    let out = eventos(dir).arg("new").args(args).assert().success();
    stdout(&out)
}

fn files_of(dir: &Path, phase: u8) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.join(format!("sql/phase{phase}")))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

/// The repository's newest phase and the version of its newest migration.
fn newest_phase_and_version() -> (u8, u32) {
    let phase = (0..=9u8)
        .rev()
        .find(|n| repo_root().join(format!("plans/phase{n}.toml")).exists())
        .expect("the repository has plans");
    let version = files_of(&repo_root(), phase)
        .last()
        .and_then(|name| name.strip_prefix('V')?.split("__").next()?.parse().ok())
        .expect("the newest phase has a migration");
    (phase, version)
}

/// The number of migration files under `dir/sql`, across every phase.
fn migration_count(dir: &Path) -> usize {
    (0..=9u8)
        .filter(|n| dir.join(format!("sql/phase{n}")).is_dir())
        .flat_map(|n| files_of(dir, n))
        .filter(|name| name.starts_with('V') && name.ends_with(".sql"))
        .count()
}

#[test]
fn versions_follow_the_newest_file_of_each_phase() {
    let dir = bundles_copy();
    let (phase, last) = newest_phase_and_version();
    let newest = new(dir.path(), &["add_event_tags"]);
    let (first, second) = (last + 1, last + 2);
    assert!(
        newest.contains(&format!(
            "V{first:04}__add_event_tags.sql (version {first}, phase {phase})"
        )),
        "the default is the newest phase: {newest}"
    );
    new(dir.path(), &["backfill_tags"]);
    new(dir.path(), &["--phase", "0", "audit_fix"]);
    new(
        dir.path(),
        &[
            "--phase",
            "1",
            "--no-transaction",
            "idx_chatbot_logs_resolved",
        ],
    );
    assert!(files_of(dir.path(), phase).ends_with(&[
        format!("V{first:04}__add_event_tags.sql"),
        format!("V{second:04}__backfill_tags.sql")
    ]));
    assert_eq!(
        files_of(dir.path(), 0).last().unwrap(),
        "V0009__audit_fix.sql"
    );
    let concurrent = dir
        .path()
        .join("sql/phase1/V1005__idx_chatbot_logs_resolved.sql");
    assert!(read(&concurrent).starts_with("-- eventos:no-transaction\n"));
    assert!(!read(&dir.path().join("sql/phase0/V0009__audit_fix.sql")).contains("no-transaction"));
}

#[test]
fn an_empty_phase_starts_at_the_first_version_of_its_range() {
    let dir = fixture_copy("basic");
    std::fs::write(
        dir.path().join("plans/phase2.toml"),
        "id = 2\nname = \"Next\"\nsummary = \"Empty so far.\"\ndepends_on = [1]\nrollback = \"rollback/phase2.sql\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("sql/rollback/phase2.sql"), "").unwrap();
    let out = new(dir.path(), &["first"]);
    assert!(
        out.contains("V2001__first.sql (version 2001, phase 2)"),
        "{out}"
    );
    assert!(
        out.contains("nothing to update"),
        "the fixture has no sum file, and none is started: {out}"
    );
    assert!(!dir.path().join("sql/eventos.sum").exists());
}

#[test]
fn the_sum_is_rewritten_and_the_new_files_lint_clean_and_apply() {
    let dir = bundles_copy();
    new(dir.path(), &["--phase", "0", "capture_hotfix"]);
    new(
        dir.path(),
        &["--phase", "1", "--no-transaction", "concurrent_index"],
    );
    let sum = read(&dir.path().join("sql/eventos.sum"));
    assert!(
        sum.contains("phase0/V0009__capture_hotfix.sql sha256:"),
        "{sum}"
    );
    assert!(
        sum.contains("phase1/V1005__concurrent_index.sql sha256:"),
        "{sum}"
    );
    let lint = eventos(dir.path()).arg("lint").assert().success();
    let files = migration_count(dir.path());
    assert!(
        stdout(&lint).contains(&format!("{files} files, 0 errors, 0 warnings")),
        "{}",
        stdout(&lint)
    );
    // refinery and the no-transaction path both take the new (comment-only) files.
    let db = TestDb::new(Pg::Stock);
    db.migrate_up(dir.path(), &["--phase", "1", "--no-verify"]);
    assert_eq!(
        db.query_strings(
            "SELECT name FROM eventos.schema_history WHERE version IN (9, 1005) ORDER BY version"
        ),
        ["capture_hotfix", "concurrent_index"]
    );
}

#[test]
fn names_refinery_cannot_take_are_refused_and_nothing_is_written() {
    let dir = bundles_copy();
    let sum_before = read(&dir.path().join("sql/eventos.sum"));
    for name in [
        "Add_Tags",
        "add-tags",
        "add tags",
        "../../etc/x",
        "sub/dir",
        "x.sql",
        "naïve",
        "",
        &"a".repeat(245),
    ] {
        let out = eventos(dir.path()).args(["new", name]).assert().code(2);
        assert!(
            stderr(&out).contains("cannot be a migration name"),
            "{name:?}: {}",
            stderr(&out)
        );
    }
    let out = eventos(dir.path())
        .args(["new", "Add-Tags"])
        .assert()
        .code(2);
    assert!(stderr(&out).contains("e.g. add_tags"), "{}", stderr(&out));
    assert_eq!(files_of(dir.path(), 3).len(), 4, "no file was created");
    assert_eq!(read(&dir.path().join("sql/eventos.sum")), sum_before);
    new(dir.path(), &[&"a".repeat(244)]);
}

#[test]
fn a_stale_sum_file_is_not_rewritten_over_an_edited_migration() {
    let dir = bundles_copy();
    let applied = dir.path().join("sql/phase0/V0002__core_tables.sql");
    std::fs::write(
        &applied,
        read(&applied) + "\n-- edited after it was applied\n",
    )
    .unwrap();
    let sum_before = read(&dir.path().join("sql/eventos.sum"));
    let out = eventos(dir.path()).args(["new", "next"]).assert().code(2);
    let err = stderr(&out);
    assert!(err.contains("V0002__core_tables.sql changed"), "{err}");
    assert!(err.contains("eventos lint"), "{err}");
    assert_eq!(files_of(dir.path(), 3).len(), 4, "no file was created");
    assert_eq!(read(&dir.path().join("sql/eventos.sum")), sum_before);
}

#[test]
fn a_full_phase_and_an_unknown_phase_are_refused() {
    let dir = fixture_copy("basic");
    std::fs::write(dir.path().join("sql/phase0/V0999__last.sql"), "SELECT 1;\n").unwrap();
    let out = eventos(dir.path())
        .args(["new", "--phase", "0", "more"])
        .assert()
        .code(2);
    assert!(stderr(&out).contains("no free version"), "{}", stderr(&out));
    let out = eventos(dir.path())
        .args(["new", "--phase", "5", "more"])
        .assert()
        .code(2);
    assert!(
        stderr(&out).contains("phase 5 does not exist"),
        "{}",
        stderr(&out)
    );
    assert_eq!(files_of(dir.path(), 0).len(), 3);
}
