//! A target's failure, reported beside the answer instead of failing the query.

use cove_tables::FetchError;

/// One target's failure, reported to the user instead of failing the whole query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub account_id: String,
    pub region: String,
    pub table: String,
    /// The hydrate call (by index in the table) that failed; None: the list itself failed.
    pub hydrate: Option<usize>,
    pub error: FetchError,
}

/// Failures as lines for people: one per account, table and error, listing the regions
/// it happened in (a denied account fails the same way in every region).
pub fn summarize(failures: &[Failure]) -> Vec<String> {
    let mut lines: Vec<(&Failure, Vec<&str>)> = Vec::new();
    for failure in failures {
        let same = |(f, _): &&mut (&Failure, Vec<&str>)| {
            (&f.account_id, &f.table, &f.error) == (&failure.account_id, &failure.table, &failure.error)
        };
        match lines.iter_mut().find(same) {
            Some((_, regions)) => regions.push(&failure.region),
            None => lines.push((failure, vec![&failure.region])),
        }
    }
    lines
        .into_iter()
        .map(|(f, regions)| {
            let label = if regions.len() == 1 { "region" } else { "regions" };
            format!("account {} {label} {} table {}: {}", f.account_id, regions.join(","), f.table, f.error)
        })
        .collect()
}
