//! Integration tests: the cove binary against a local moto seeded with a small
//! organization (3 members x 2 regions), API calls counted with moto's recorder.

mod check;
mod cli_errors;
mod compliance;
mod declared_tables;
mod docs;
mod export;
mod faults;
mod harness;
mod network_tables;
mod pushdown;
mod queries;
mod read_only;
mod robustness;
mod security_tables;
mod serve;
mod shell;
mod sqllogic;
mod structure;
