//! cove: SQL over a whole AWS estate, live.
//!
//! How a query flows: [`settings`] merges the flags over the config file;
//! [`engine::session::open`] resolves the estate ([`engine::estate`]: the caller, the
//! accounts and regions in scope, credentials per account, asked of the catalog's
//! discovery) and registers every table of the catalog (`cove_tables`) with DataFusion.
//! Planning a query, [`engine::pushdown`] decides which filters prune targets and which
//! reach the APIs; [`engine::scan`] runs one partition per target, through the cache
//! ([`engine::cache`]) and under the concurrency limits, with every AWS call checked and
//! counted by [`engine::guard`], each query's failed targets and progress kept in its own
//! [`engine::run`]. Failed targets become [`engine::failures`] beside the answer, which
//! [`output`] writes as it streams. [`cli`] holds the commands people run; [`check`] runs
//! saved controls over the same engine; [`serve`] answers Postgres clients over the wire;
//! [`emulator`] is the local AWS the demo and the tests use.
//!
//! Errors: the catalog's are typed (`cove_tables::FetchError`, an AWS code and a
//! message), because the engine acts on their codes and reports them per target. Here,
//! an error ends a command and is shown to a person, so it is one line of text naming
//! the problem (`Result<_, String>`), made where the cause is known.

pub mod check;
pub mod cli;
pub mod emulator;
pub mod engine;
pub mod output;
pub mod serve;
pub mod settings;
