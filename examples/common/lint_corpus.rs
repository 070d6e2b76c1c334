//! Deterministic lint corpora for `scripts/bench-lint` and the lint-equivalence tests, written by
//! us: the same arguments always give the same bytes.
//!
//! - [`big_file`]: one schema file of table blocks (a squashed baseline, a `pg_dump --schema-only`).
//! - [`real_world`]: a Supabase project's history — many small migration files mixing tables with
//!   policies and grants, PL/pgSQL and SQL functions with triggers, data inserts, column changes
//!   with backfills, enums and views, `DO` blocks.
//! - [`findings_file`]: one file where every statement is a finding.
//! - [`findings_among`]: many small clean files, one of them the findings file.

#![allow(dead_code)] // each benchmark program and test uses some of the shapes

use std::fmt::Write;
use std::path::Path;

/// One generated migration file.
#[derive(Debug, Clone)]
pub struct File {
    /// Its path relative to the corpus folder.
    pub name: String,
    /// Its SQL.
    pub text: String,
}

/// Writes `files` under `dir` (creating folders).
pub fn write(dir: &Path, files: &[File]) -> std::io::Result<()> {
    for file in files {
        let path = dir.join(&file.name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, &file.text)?;
    }
    Ok(())
}

/// splitmix64: a small, fast, fully deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `low..=high`.
    fn range(&mut self, low: usize, high: usize) -> usize {
        low + (self.next() % (high - low + 1) as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.range(0, items.len() - 1)]
    }
}

/// One file of `blocks` table blocks (about 800 bytes each: a table with defaults, a foreign key
/// and a CHECK, an index, RLS, a policy, a comment), as a schema dump or squashed baseline is.
pub fn big_file(blocks: usize) -> File {
    let mut text = String::with_capacity(blocks * 820);
    text.push_str("-- squashed baseline: generated for the lint benchmark\n");
    text.push_str("create schema if not exists app;\n\n");
    for b in 0..blocks {
        let t = format!("app.item_{b}");
        let _ = write!(
            text,
            "-- block {b}\ncreate table {t} (\n  id bigint generated always as identity primary key,\n  \
             owner_id uuid not null references auth.users (id) on delete cascade,\n  \
             name text not null check (char_length(name) between 1 and 200),\n  \
             status text not null default 'draft',\n  amount numeric(12, 2) not null default 0,\n  \
             created_at timestamptz not null default now()\n);\n\
             create index item_{b}_owner_idx on {t} (owner_id);\n\
             alter table {t} enable row level security;\n\
             create policy item_{b}_owner on {t} for all to authenticated\n  \
             using (owner_id = (select auth.uid())) with check (owner_id = (select auth.uid()));\n\
             comment on table {t} is 'Block {b} of the generated baseline; ALTER SYSTEM in a comment is not code.';\n\n"
        );
    }
    File {
        name: "baseline.sql".into(),
        text,
    }
}

/// The `supabase/config.toml` of a generated project (its API exposes `public`).
pub fn supabase_config() -> File {
    File {
        name: "supabase/config.toml".into(),
        text: "project_id = \"bench\"\n\n[api]\nschemas = [\"public\", \"graphql_public\"]\n"
            .into(),
    }
}

/// A Supabase project of `files` migrations (about 2.6 kB each on average), repeated `copies`
/// times with distinct object names: `supabase/config.toml` and `supabase/migrations/*.sql`.
pub fn real_world(files: usize, copies: usize) -> Vec<File> {
    let mut out = vec![supabase_config()];
    for copy in 0..copies {
        let mut history = History {
            rng: Rng(0x5EED_0000 + copy as u64),
            prefix: format!("c{copy}_"),
            tables: Vec::new(),
            lookups: Vec::new(),
        };
        for i in 0..files {
            let (name, text) = history.migration(i);
            let number = copy * files + i;
            out.push(File {
                name: format!("supabase/migrations/2024{number:010}_{name}.sql"),
                text,
            });
        }
    }
    out
}

/// The state of a generated project: what earlier files created.
struct History {
    rng: Rng,
    prefix: String,
    /// Tables with `id uuid` and `user_id uuid` (and `note text` once added), in creation order.
    tables: Vec<String>,
    /// Lookup tables with a unique `code`.
    lookups: Vec<String>,
}

const NOUNS: &[&str] = &[
    "event", "venue", "ticket", "order", "speaker", "session", "sponsor", "badge", "invite",
    "survey", "answer", "room", "track", "booking", "payment", "refund", "note", "task",
];

const COLUMNS: &[&str] = &[
    "title text not null",
    "description text",
    "capacity integer not null default 0 check (capacity >= 0)",
    "price numeric(10, 2) not null default 0",
    "is_public boolean not null default false",
    "metadata jsonb not null default '{}'::jsonb",
    "starts_at timestamptz",
    "ends_at timestamptz",
    "position integer not null default 0",
    "email text check (email ~* '^[^@]+@[^@]+$')",
    "tags text[] not null default '{}'",
];

impl History {
    /// The `i`-th migration: its name and text.
    fn migration(&mut self, i: usize) -> (String, String) {
        let roll = if i < 3 { 0 } else { self.rng.range(0, 99) };
        match roll {
            0..=29 => self.tables_file(i),
            30..=36 => self.lookup_file(i),
            37..=54 => self.functions_file(i),
            55..=72 => self.data_file(i),
            73..=86 => self.alter_file(i),
            87..=94 => self.view_file(i),
            _ => self.do_file(i),
        }
    }

    fn new_name(&mut self, i: usize) -> String {
        let noun = self.rng.pick(NOUNS);
        format!("{}{noun}_{i}", self.prefix)
    }

    fn earlier_table(&mut self) -> String {
        let n = self.tables.len();
        self.tables[self.rng.range(n.saturating_sub(40), n - 1)].clone()
    }

    fn tables_file(&mut self, i: usize) -> (String, String) {
        let mut text = String::new();
        let count = self.rng.range(1, 2);
        let mut first = String::new();
        for k in 0..count {
            let t = self.new_name(i * 4 + k);
            let parent =
                (!self.tables.is_empty() && self.rng.range(0, 2) > 0).then(|| self.earlier_table());
            let _ = writeln!(text, "-- {t}: owned by a user, readable by its owner\n");
            let _ = writeln!(text, "create table if not exists public.{t} (");
            text.push_str("  id uuid primary key default gen_random_uuid(),\n");
            text.push_str(
                "  user_id uuid not null references auth.users (id) on delete cascade,\n",
            );
            if let Some(parent) = &parent {
                let _ = writeln!(
                    text,
                    "  {parent}_id uuid references public.{parent} (id) on delete set null,"
                );
            }
            for _ in 0..self.rng.range(2, 5) {
                let _ = writeln!(text, "  {},", self.rng.pick(COLUMNS));
            }
            text.push_str("  created_at timestamptz not null default now(),\n");
            text.push_str("  updated_at timestamptz not null default now()\n);\n\n");
            let _ = writeln!(
                text,
                "create index if not exists {t}_user_id_idx on public.{t} using btree (user_id);"
            );
            if let Some(parent) = &parent {
                let _ = writeln!(
                    text,
                    "create index if not exists {t}_{parent}_id_idx on public.{t} ({parent}_id);"
                );
            }
            let _ = write!(
                text,
                "\nalter table public.{t} enable row level security;\n\n\
                 create policy \"Users can view their own {t}\"\n  on public.{t} for select\n  \
                 to authenticated\n  using ((select auth.uid()) = user_id);\n\n\
                 create policy \"Users can create their own {t}\"\n  on public.{t} for insert\n  \
                 to authenticated\n  with check ((select auth.uid()) = user_id);\n\n\
                 create policy \"Users can update their own {t}\"\n  on public.{t} for update\n  \
                 to authenticated\n  using ((select auth.uid()) = user_id)\n  \
                 with check ((select auth.uid()) = user_id);\n\n\
                 grant select, insert, update on table public.{t} to authenticated;\n\
                 revoke all on table public.{t} from anon;\n\n\
                 comment on table public.{t} is 'Rows a user owns; see the {t} policies.';\n\
                 comment on column public.{t}.user_id is 'The owner (auth.users.id).';\n\n"
            );
            if k == 0 {
                first = t.clone();
            }
            self.tables.push(t);
        }
        (format!("create_{first}"), text)
    }

    fn lookup_file(&mut self, i: usize) -> (String, String) {
        let t = format!("{}{}_types_{i}", self.prefix, self.rng.pick(NOUNS));
        let mut text = format!(
            "create table public.{t} (\n  id smallint generated always as identity primary key,\n  \
             code text not null unique,\n  label text not null,\n  position integer not null default 0,\n  \
             active boolean not null default true\n);\n\n\
             alter table public.{t} enable row level security;\n\n\
             create policy \"Anyone can read {t}\" on public.{t}\n  for select to anon, authenticated using (true);\n\n\
             grant select on public.{t} to anon, authenticated;\n\n"
        );
        self.seed_rows(&t, &mut text);
        self.lookups.push(t.clone());
        (format!("create_{t}"), text)
    }

    fn seed_rows(&mut self, table: &str, text: &mut String) {
        let rows = self.rng.range(10, 40);
        let _ = writeln!(
            text,
            "insert into public.{table} (code, label, position, active) values"
        );
        for r in 0..rows {
            let sep = if r + 1 == rows { "" } else { "," };
            let active = if r % 7 == 6 { "false" } else { "true" };
            let _ = writeln!(
                text,
                "  ('{table}_{r}', 'Option {r} of {table} (''quoted'')', {r}, {active}){sep}"
            );
        }
        text.push_str("on conflict (code) do nothing;\n");
    }

    fn functions_file(&mut self, i: usize) -> (String, String) {
        let t = self.earlier_table();
        let text = format!(
            "-- keep {t}.updated_at current and give the API two helpers\n\n\
             create or replace function public.{t}_touch_{i}()\nreturns trigger\nlanguage plpgsql\n\
             security definer\nset search_path = ''\nas $$\nbegin\n  \
             if new.updated_at is distinct from old.updated_at then\n    return new;\n  end if;\n  \
             new.updated_at := now();\n  return new;\nend;\n$$;\n\n\
             drop trigger if exists {t}_touch_{i} on public.{t};\n\
             create trigger {t}_touch_{i}\n  before update on public.{t}\n  \
             for each row execute function public.{t}_touch_{i}();\n\n\
             create or replace function public.{t}_count_{i}(p_user uuid)\nreturns bigint\n\
             language sql\nstable\nset search_path = ''\nas $$\n  \
             select count(*) from public.{t} where user_id = p_user;\n$$;\n\n\
             create or replace function public.{t}_forget_{i}(p_id uuid)\nreturns void\n\
             language plpgsql\nsecurity definer\nset search_path = ''\nas $fn$\n\
             declare\n  v_owner uuid;\n  v_tries integer := 0;\nbegin\n  \
             select user_id into v_owner from public.{t} where id = p_id for update;\n  \
             if not found then\n    raise exception 'no {t} row %', p_id using errcode = 'P0002';\n  end if;\n  \
             if v_owner <> (select auth.uid()) then\n    raise exception 'not yours' using errcode = '42501';\n  end if;\n  \
             loop\n    v_tries := v_tries + 1;\n    exit when v_tries > 3;\n    \
             perform pg_notify('{t}_forget', p_id::text);\n  end loop;\n  \
             update public.{t} set updated_at = now() where id = p_id;\nend;\n$fn$;\n\n\
             revoke execute on function public.{t}_forget_{i}(uuid) from public, anon;\n\
             grant execute on function public.{t}_forget_{i}(uuid) to authenticated;\n\
             grant execute on function public.{t}_count_{i}(uuid) to authenticated;\n"
        );
        (format!("{t}_functions_{i}"), text)
    }

    fn data_file(&mut self, i: usize) -> (String, String) {
        if self.lookups.is_empty() || self.rng.range(0, 3) == 0 {
            return self.lookup_file(i);
        }
        let n = self.lookups.len();
        let t = self.lookups[self.rng.range(n.saturating_sub(20), n - 1)].clone();
        let mut text = format!("-- more options for {t}\n\n");
        let rows = self.rng.range(20, 60);
        let _ = writeln!(
            text,
            "insert into public.{t} (code, label, position, active) values"
        );
        for r in 0..rows {
            let sep = if r + 1 == rows { "" } else { "," };
            let _ = writeln!(
                text,
                "  ('{t}_m{i}_{r}', 'Imported option {r} from batch {i}', {}, true){sep}",
                100 + r
            );
        }
        text.push_str("on conflict (code) do update set label = excluded.label;\n\n");
        let _ = writeln!(
            text,
            "update public.{t} set active = false where position > 90 and code like '{t}_m{i}_%';"
        );
        (format!("seed_{t}_{i}"), text)
    }

    fn alter_file(&mut self, i: usize) -> (String, String) {
        let t = self.earlier_table();
        let column = format!("note_{i}");
        let mut text = format!(
            "-- {t} gets a free-text note\n\n\
             alter table public.{t} add column if not exists {column} text;\n\
             alter table public.{t} add constraint {t}_{column}_length\n  \
             check (char_length({column}) <= 2000) not valid;\n\
             alter table public.{t} validate constraint {t}_{column}_length;\n\n\
             update public.{t}\n   set {column} = ''\n where {column} is null\n   \
             and created_at < now() - interval '30 days';\n\n\
             comment on column public.{t}.{column} is 'Free text, at most 2000 characters.';\n"
        );
        if self.rng.range(0, 2) == 0 {
            let _ = write!(
                text,
                "\ncreate index if not exists {t}_{column}_idx on public.{t} ({column}) where {column} <> '';\n"
            );
        }
        let _ = write!(
            text,
            "\ndrop policy if exists \"Users can view their own {t}\" on public.{t};\n\
             create policy \"Users can view their own {t}\"\n  on public.{t} for select\n  \
             to authenticated\n  using ((select auth.uid()) = user_id and {column} is distinct from 'hidden');\n"
        );
        (format!("{t}_add_{column}"), text)
    }

    fn view_file(&mut self, i: usize) -> (String, String) {
        let t = self.earlier_table();
        let e = format!("{}status_{i}", self.prefix);
        let text = format!(
            "create type public.{e} as enum ('pending', 'active', 'archived');\n\n\
             create or replace view public.{t}_recent_{i}\n  with (security_invoker = true)\nas\n  \
             select id, user_id, created_at, updated_at,\n         \
             case when updated_at > now() - interval '1 day' then 'active'::public.{e}\n              \
             else 'pending'::public.{e} end as freshness\n    \
             from public.{t}\n   where created_at > now() - interval '90 days';\n\n\
             grant select on public.{t}_recent_{i} to authenticated;\n\
             comment on view public.{t}_recent_{i} is 'Rows of the last 90 days, with their freshness.';\n"
        );
        (format!("{t}_recent_view_{i}"), text)
    }

    fn do_file(&mut self, i: usize) -> (String, String) {
        let t = self.earlier_table();
        let text = format!(
            "-- backfill {t}.updated_at in batches\n\n\
             do $$\ndeclare\n  r record;\n  v_done integer := 0;\nbegin\n  \
             for r in select id from public.{t} where updated_at < created_at limit 1000 loop\n    \
             update public.{t} set updated_at = created_at where id = r.id;\n    \
             v_done := v_done + 1;\n  end loop;\n  \
             raise notice 'backfilled % rows of {t} (batch {i})', v_done;\nend\n$$;\n\n\
             analyze public.{t};\n"
        );
        (format!("{t}_backfill_{i}"), text)
    }
}

/// One file of `findings` statements, each a finding of one of four rules (`alter-system`,
/// `copy-to-file`, `security-definer-search-path`, `rls-disabled`).
pub fn findings_file(findings: usize) -> File {
    let mut text = String::with_capacity(findings * 90);
    text.push_str("-- every statement below is a finding\n");
    for f in 0..findings {
        let _ = match f % 4 {
            0 => writeln!(text, "alter system set work_mem = '{}MB';", 4 + f % 60),
            1 => writeln!(text, "copy public.audit_{f} to '/tmp/audit_{f}.csv';"),
            2 => writeln!(
                text,
                "create function public.helper_{f}() returns int language sql security definer as 'select {f}';"
            ),
            _ => writeln!(
                text,
                "create table public.exposed_{f} (id bigint primary key, body text);"
            ),
        };
    }
    File {
        name: "findings.sql".into(),
        text,
    }
}

/// A seed migration: a table and one `INSERT` of `rows` rows of constants (a reference list, a
/// `pg_dump --inserts --rows-per-insert`), then a second `INSERT` of `rows / 10` rows that stamp
/// each row with `now()`.
pub fn seed_file(rows: usize) -> File {
    let mut text = String::with_capacity(rows * 80);
    text.push_str(
        "create table private.people (id bigint primary key, name text, email text, at timestamptz);\n",
    );
    text.push_str("insert into private.people (id, name, email, at) values\n");
    for i in 0..rows {
        let sep = if i + 1 == rows { ";" } else { "," };
        let _ = writeln!(
            text,
            "({i}, 'name {i}', 'user{i}@example.com', '2024-01-01 00:00:00+00'){sep}"
        );
    }
    text.push_str("insert into private.people (id, name, email, at) values\n");
    let stamped = (rows / 10).max(1);
    for i in 0..stamped {
        let sep = if i + 1 == stamped { ";" } else { "," };
        let _ = writeln!(text, "({}, 'late {i}', null, now()){sep}", rows + i);
    }
    File {
        name: "V1__seed.sql".into(),
        text,
    }
}

/// A `pg_dump` of `tables` tables of `rows` rows each, laid out as pg_dump writes one: the
/// `\\restrict` line, settings, the tables, one `COPY … FROM stdin` block of data per table (rows
/// holding quotes, semicolons, comment openers, backslash escapes and `\\N`), then primary keys,
/// foreign keys and indexes, and `\\unrestrict`.
pub fn dump_file(tables: usize, rows: usize) -> File {
    let mut text = String::with_capacity(tables * (rows * 70 + 900));
    text.push_str(
        "--\n-- PostgreSQL database dump\n--\n\n\\restrict 7acNURsv0ZYKOb8Nki1ajERqTKSx4N\n\n\
         SET statement_timeout = 0;\nSET lock_timeout = 0;\nSET client_encoding = 'UTF8';\n\
         SET standard_conforming_strings = on;\n\
         SELECT pg_catalog.set_config('search_path', '', false);\n\
         SET check_function_bodies = false;\n\n\
         CREATE SCHEMA app;\n\n",
    );
    for t in 0..tables {
        let _ = write!(
            text,
            "--\n-- Name: item_{t}; Type: TABLE; Schema: app; Owner: -\n--\n\n\
             CREATE TABLE app.item_{t} (\n    id bigint NOT NULL,\n    parent_id bigint,\n    \
             name text NOT NULL,\n    note text,\n    created_at timestamp with time zone \
             DEFAULT now() NOT NULL\n);\n\n"
        );
    }
    for t in 0..tables {
        let _ = writeln!(
            text,
            "--\n-- Data for Name: item_{t}; Type: TABLE DATA; Schema: app; Owner: -\n--\n\n\
             COPY app.item_{t} (id, parent_id, name, note, created_at) FROM stdin;"
        );
        for r in 0..rows {
            let parent = if r == 0 {
                "\\N".to_string()
            } else {
                (r / 2).to_string()
            };
            let _ = writeln!(
                text,
                "{r}\t{parent}\tO'Brien's item {r}; -- not a comment\tline\\none /* {t}\t2024-01-01 00:00:00+00"
            );
        }
        text.push_str("\\.\n\n\n");
    }
    for t in 0..tables {
        let _ = write!(
            text,
            "ALTER TABLE ONLY app.item_{t}\n    ADD CONSTRAINT item_{t}_pkey PRIMARY KEY (id);\n\n\
             CREATE INDEX item_{t}_name_idx ON app.item_{t} USING btree (name);\n\n\
             ALTER TABLE ONLY app.item_{t}\n    ADD CONSTRAINT item_{t}_parent_id_fkey FOREIGN KEY \
             (parent_id) REFERENCES app.item_{t}(id);\n\n"
        );
    }
    text.push_str("--\n-- PostgreSQL database dump complete\n--\n\n\\unrestrict 7acNURsv0ZYKOb8Nki1ajERqTKSx4N\n\n");
    File {
        name: "dump.sql".into(),
        text,
    }
}

/// `files` small clean files, the one in the middle replaced by [`findings_file`] of `findings`.
pub fn findings_among(files: usize, findings: usize) -> Vec<File> {
    let middle = files / 2;
    (0..files)
        .map(|i| {
            let name = format!("{i:06}_step.sql");
            if i == middle {
                return File {
                    name,
                    text: findings_file(findings).text,
                };
            }
            let text = if i == 0 {
                "create schema if not exists private;\n".to_string()
            } else {
                format!(
                    "-- step {i}\ncreate table private.step_{i} (\n  id bigint primary key,\n  \
                     label text not null default ''\n);\ncomment on table private.step_{i} is 'step {i}';\n"
                )
            };
            File { name, text }
        })
        .collect()
}

/// A history that keeps changing what it made (`files` migrations, in `private`): each creates
/// a table with indexes, a policy, a view over it and a function, then drops a column, an index
/// and the policy, renames the table, its primary key, the view and the function, drops the
/// function of three files back and a scratch table, and every fifth file drops the table of
/// five files back with `CASCADE`. The statements whose cost grows with what exists so far
/// when the symbol table scans instead of looking up.
pub fn churn(files: usize) -> Vec<File> {
    (0..files)
        .map(|i| {
            let mut text = if i == 0 {
                "create schema if not exists private;\n".to_string()
            } else {
                String::new()
            };
            text += &format!(
                "create table private.t{i} (id int primary key, a int, b int);\n\
                 create index t{i}_a on private.t{i} (a);\n\
                 create index t{i}_b on private.t{i} (b);\n\
                 create policy p{i} on private.t{i} using (true);\n\
                 create view private.v{i} with (security_invoker = true) as select id, a from private.t{i};\n\
                 create function private.f{i}(x int) returns int language plpgsql as $$ begin return x + {i}; end $$;\n\
                 alter table private.t{i} drop column b;\n\
                 drop index if exists private.t{i}_a;\n\
                 drop policy if exists p{i} on private.t{i};\n\
                 alter table private.t{i} rename to u{i};\n\
                 alter index private.t{i}_pkey rename to u{i}_pkey;\n\
                 alter view private.v{i} rename to w{i};\n\
                 alter function private.f{i}(int) rename to g{i};\n\
                 create table private.scratch{i} (id int);\n\
                 drop table private.scratch{i};\n"
            );
            if i >= 3 {
                text += &format!("drop function if exists private.g{}(int);\n", i - 3);
            }
            if i >= 5 && i % 5 == 0 {
                text += &format!("drop table if exists private.u{} cascade;\n", i - 5);
            }
            File {
                name: format!("V{:06}__churn.sql", i + 1),
                text,
            }
        })
        .collect()
}
