//! `public-bucket-listing` (warning) — no public Supabase Storage bucket has a broad SELECT
//! policy on `storage.objects` that lets clients list every file (splinter's
//! `public_bucket_allows_listing`).
//!
//! Why: objects of a public bucket are served by URL without any policy; a SELECT policy on
//! `storage.objects` for `anon` / `authenticated` / `public` that is always true, or only tests
//! `bucket_id = '<that bucket>'`, additionally lets anyone enumerate the bucket's files —
//! usually more than was meant to be public. Runs only when `storage.buckets` exists.
//! Fix: drop the policy (public URLs keep working) or narrow it, e.g. to the owner's folder:
//! `USING (bucket_id = '<b>' AND (storage.foldername(name))[1] = (SELECT auth.uid())::text)`.

use super::{Check, Examined, Object, Severity};
use crate::verify::catalog::{Catalog, Policy};
use crate::verify::expr::{Expr, Literal};

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "public-bucket-listing",
    level: Severity::Warning,
    summary: "no public storage bucket has a broad SELECT policy on storage.objects that allows listing its files",
    help: "drop the broad SELECT policy on storage.objects (public URLs do not need it) or restrict it to the owner's folder",
    doc: include_str!("../../../docs/checks/public-bucket-listing.md"),
    splinter: &["public_bucket_allows_listing"],
    run: Some(check),
};

/// One result per public bucket.
pub fn check(catalog: &Catalog) -> Vec<Examined> {
    let broad: Vec<&Policy> = catalog
        .policies
        .iter()
        .filter(|p| p.schema == "storage" && p.table == "objects" && p.permissive)
        .filter(|p| {
            p.governs("SELECT") && ["anon", "authenticated"].iter().any(|r| p.applies_to(r))
        })
        .collect();
    catalog
        .public_buckets
        .iter()
        .map(|bucket| {
            let mut names: Vec<&str> = broad
                .iter()
                .filter(|p| lists_bucket(p, &bucket.id))
                .map(|p| p.name.as_str())
                .collect();
            names.sort();
            let problem = (!names.is_empty()).then(|| {
                format!(
                    "public bucket {} can be listed by any client through policy {} on storage.objects",
                    bucket.name,
                    names.join(", ")
                )
            });
            Examined::new(
                format!("bucket {}", bucket.name),
                Object::database(&format!("storage.buckets.{}", bucket.id)),
                problem,
            )
        })
        .collect()
}

/// A USING that admits every object of `bucket`: always true, or only `bucket_id = '<bucket>'`.
fn lists_bucket(policy: &Policy, bucket: &str) -> bool {
    let Some(using) = policy.using.as_deref() else {
        return false;
    };
    let Some(expr) = Expr::parse(using) else {
        return false;
    };
    if expr.is_always_true() {
        return true;
    }
    match expr.uncast() {
        Expr::Op {
            name,
            left: Some(left),
            right: Some(right),
            ..
        } if name == "=" => {
            let (column, value) = (left.own_column("objects"), right.uncast());
            column == Some("bucket_id") && value == &Expr::Const(Literal::Text(bucket.to_string()))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::catalog::Bucket;
    use crate::verify::checks::fixtures::{catalog, policy, problems};

    #[test]
    fn broad_select_policies_list_public_buckets() {
        let mut catalog = catalog();
        catalog.public_buckets = vec![
            Bucket {
                id: "avatars".into(),
                name: "avatars".into(),
            },
            Bucket {
                id: "docs".into(),
                name: "docs".into(),
            },
        ];
        let on_objects = |mut p: Policy| {
            p.schema = "storage".into();
            p.table = "objects".into();
            p
        };
        catalog.policies = vec![
            on_objects(policy(
                "avatars_read",
                "SELECT",
                &["public"],
                Some("(bucket_id = 'avatars'::text)"),
                None,
            )),
            on_objects(policy(
                "docs_own",
                "SELECT",
                &["authenticated"],
                Some("((bucket_id = 'docs'::text) AND (owner = ( SELECT auth.uid() AS uid)))"),
                None,
            )),
        ];
        assert_eq!(
            problems(check(&catalog)),
            vec![
                "bucket avatars: public bucket avatars can be listed by any client through policy avatars_read on storage.objects"
            ]
        );
    }
}
