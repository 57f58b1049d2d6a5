//! The commands people run: one-shot queries, the shell, compliance checks, the catalog
//! reference, and the demo.

pub mod check;
mod command;
mod completion;
pub mod demo;
pub mod query;
pub mod reference;
pub mod shell;

/// Exit code for usage errors, fatal errors, and (with --strict) failed targets.
pub const FAILURE: u8 = 2;
/// Exit code of a check run that found something to fix.
pub const ALARM: u8 = 1;
/// Exit code after Ctrl-C, as shells report SIGINT.
pub const INTERRUPTED: u8 = 130;
