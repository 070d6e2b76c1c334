//! Which tool applies a folder's migrations: a project setting (`runner` in `eventos.toml`,
//! `--runner`) whose transaction semantics the linter models (`lint::runner`).

/// A migration runner whose transaction semantics the lint models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, clap::ValueEnum)]
pub enum Runner {
    /// eventos's own runner (refinery): one transaction per file.
    Eventos,
    /// The Supabase CLI (`supabase db push`, `migration up`, `db reset`).
    Supabase,
    /// golang-migrate (`migrate up`) with its PostgreSQL driver.
    #[value(name = "golang-migrate")]
    GolangMigrate,
    /// sqlx (`sqlx migrate run`, `sqlx::migrate!`).
    Sqlx,
    /// diesel (`diesel migration run`, `embed_migrations!`).
    Diesel,
    /// Flyway (`flyway migrate`).
    Flyway,
    /// Unknown: no transaction semantics assumed.
    None,
}

impl Runner {
    /// The profile's name, as `--runner` and `eventos.toml` spell it.
    pub fn id(self) -> &'static str {
        match self {
            Runner::Eventos => "eventos",
            Runner::Supabase => "supabase",
            Runner::GolangMigrate => "golang-migrate",
            Runner::Sqlx => "sqlx",
            Runner::Diesel => "diesel",
            Runner::Flyway => "flyway",
            Runner::None => "none",
        }
    }

    /// Looks a profile up by name.
    pub fn from_id(id: &str) -> Option<Runner> {
        use clap::ValueEnum;
        Runner::value_variants()
            .iter()
            .copied()
            .find(|r| r.id() == id)
    }
}
