//! cove: SQL over a whole AWS estate, live. The engine: targets, fan-out, pushdown,
//! the read-only guard, output, and the local emulator used by the demo and tests.

pub mod cache;
pub mod catalog;
pub mod check;
pub mod completion;
pub mod demo;
pub mod emulator;
pub mod engine;
pub mod errors_table;
pub mod estate;
pub mod guard;
pub mod json_values;
pub mod output;
pub mod pushdown;
pub mod scan;
pub mod session;
pub mod settings;
pub mod shell;
