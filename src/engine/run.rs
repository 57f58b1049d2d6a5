//! One query's bookkeeping: the targets it planned, how far it got and what failed. It
//! travels with the query (an extension of the state it is planned in), so queries running
//! at once on the same engine, as a server's clients' do, never see each other's failures.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use datafusion::catalog::Session;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::SessionState;
use parking_lot::Mutex;

use super::Engine;
use super::failures::Failure;
use super::guard::CallCounts;

/// How far the query has got, for a progress line.
#[derive(Debug, Default)]
pub struct Progress {
    pub targets: AtomicUsize,
    /// Targets that filters on account_id / region removed before any call.
    pub pruned: AtomicUsize,
    pub targets_done: AtomicUsize,
    pub rows: AtomicUsize,
}

pub struct QueryRun {
    pub progress: Progress,
    /// Under `--regions all`, a region the account has not enabled is skipped, not failed.
    all_regions: bool,
    failures: Mutex<Vec<Failure>>,
    skipped: Mutex<Vec<Failure>>,
    /// The targets each table of the query was planned to scan.
    planned: Mutex<HashMap<&'static str, BTreeSet<(String, String)>>>,
    /// What `cove_errors` shows: the failures of the query before this one.
    previous: Vec<Failure>,
    /// For a check run: per table, every hydrate call some control needs, so that one
    /// scan per target serves all of them.
    shared_hydrates: Mutex<HashMap<&'static str, Vec<usize>>>,
    started: Instant,
    calls_before: CallCounts,
    hits_before: u64,
}

impl QueryRun {
    /// Starts a query on `engine`; `previous` are the failures of the one before it.
    pub fn start(engine: &Engine, previous: Vec<Failure>) -> Arc<QueryRun> {
        Arc::new(QueryRun {
            progress: Progress::default(),
            all_regions: engine.estate.all_regions,
            failures: Mutex::default(),
            skipped: Mutex::default(),
            planned: Mutex::default(),
            previous,
            shared_hydrates: Mutex::default(),
            started: Instant::now(),
            calls_before: engine.guard.counts(),
            hits_before: engine.cache.as_ref().map_or(0, |c| c.hits()),
        })
    }

    /// A run over no estate, for planning SQL that reads no AWS table.
    pub fn detached() -> Arc<QueryRun> {
        Arc::new(QueryRun {
            progress: Progress::default(),
            all_regions: false,
            failures: Mutex::default(),
            skipped: Mutex::default(),
            planned: Mutex::default(),
            previous: Vec::new(),
            shared_hydrates: Mutex::default(),
            started: Instant::now(),
            calls_before: CallCounts::default(),
            hits_before: 0,
        })
    }

    /// The run a scan is planned in.
    pub fn of(session: &dyn Session) -> Result<Arc<QueryRun>> {
        session
            .config()
            .get_extension::<QueryRun>()
            .ok_or_else(|| DataFusionError::Internal("a table was scanned outside a query run".into()))
    }

    /// `state`, with its scans reporting to this run.
    pub fn attach(self: &Arc<Self>, mut state: SessionState) -> SessionState {
        state.config_mut().set_extension(self.clone());
        state
    }

    pub fn previous_failures(&self) -> &[Failure] {
        &self.previous
    }

    pub fn record_failure(&self, failure: Failure) {
        if self.all_regions && failure.error.may_be_region_not_enabled() {
            self.skipped.lock().push(failure);
            return;
        }
        self.failures.lock().push(failure);
    }

    /// Makes this run's scans of `table` also make these hydrate calls (see `shared_hydrates`).
    pub fn share_hydrates(&self, table: &'static str, hydrates: &[usize]) {
        let mut shared = self.shared_hydrates.lock();
        let all = shared.entry(table).or_default();
        all.extend_from_slice(hydrates);
        all.sort_unstable();
        all.dedup();
    }

    /// `hydrates` and those shared for `table`.
    pub fn shared_hydrates(&self, table: &str, hydrates: &[usize]) -> Vec<usize> {
        let shared = self.shared_hydrates.lock();
        let mut all: Vec<usize> = hydrates.iter().chain(shared.get(table).into_iter().flatten()).copied().collect();
        all.sort_unstable();
        all.dedup();
        all
    }

    /// Targets skipped because their region is not enabled.
    pub fn skipped_targets(&self) -> Vec<Failure> {
        self.skipped.lock().clone()
    }

    /// Notes that the query scans `table` in `targets`.
    pub fn note_planned(&self, table: &'static str, targets: &[(String, String)], pruned: usize) {
        self.progress.targets.fetch_add(targets.len(), Ordering::Relaxed);
        self.progress.pruned.fetch_add(pruned, Ordering::Relaxed);
        self.planned.lock().entry(table).or_default().extend(targets.iter().cloned());
    }

    /// The failures so far, in a stable order.
    pub fn failures(&self) -> Vec<Failure> {
        let mut failures = self.failures.lock().clone();
        failures.sort_by(|a, b| (&a.account_id, &a.table, &a.region).cmp(&(&b.account_id, &b.table, &b.region)));
        failures
    }

    /// The tables whose list failed in every target planned: whatever the query computes
    /// over them (a count of nothing is still a row) is no answer.
    fn tables_failed_everywhere(&self, failures: &[Failure]) -> Vec<&'static str> {
        let planned = self.planned.lock();
        let mut tables: Vec<&'static str> = planned
            .iter()
            .filter(|(table, targets)| {
                let failed = |(account, region): &(String, String)| {
                    failures.iter().any(|f| {
                        f.hydrate.is_none() && f.table == **table && &f.account_id == account && &f.region == region
                    })
                };
                !targets.is_empty() && targets.iter().all(failed)
            })
            .map(|(table, _)| *table)
            .collect();
        tables.sort_unstable();
        tables
    }

    /// The API calls made since the query started (and by any query running beside it).
    pub fn calls(&self, engine: &Engine) -> CallCounts {
        engine.guard.counts().since(&self.calls_before)
    }

    /// What the query cost, once its `rows` have all come back. API calls are the engine's
    /// since the query started: another query running at the same time counts too.
    pub fn summary(&self, engine: &Engine, rows: usize) -> Summary {
        let failures = self.failures();
        Summary {
            rows,
            targets: self.progress.targets.load(Ordering::Relaxed),
            pruned: self.progress.pruned.load(Ordering::Relaxed),
            failed_tables: self.tables_failed_everywhere(&failures),
            failures,
            calls: self.calls(engine),
            cache_hits: engine.cache.as_ref().map_or(0, |c| c.hits()) - self.hits_before,
            elapsed: self.started.elapsed(),
        }
    }
}

/// What one statement cost.
pub struct Summary {
    pub rows: usize,
    pub targets: usize,
    pub pruned: usize,
    pub failures: Vec<Failure>,
    /// Tables whose every target failed: the statement has no answer.
    pub failed_tables: Vec<&'static str>,
    pub calls: CallCounts,
    pub cache_hits: u64,
    pub elapsed: Duration,
}

impl Summary {
    /// Why the statement failed though it ran: every target of a table failed, or (with
    /// `strict`) any did, or targets failed and nothing came back.
    pub fn failed(&self, strict: bool) -> Option<String> {
        let n = self.failures.len();
        let scans = format!("{n} target scan{}", if n == 1 { "" } else { "s" });
        if !self.failed_tables.is_empty() {
            Some(format!("every target of {} failed", self.failed_tables.join(", ")))
        } else if n > 0 && strict {
            Some(format!("{scans} failed (--strict)"))
        } else if n > 0 && self.rows == 0 {
            Some(format!("{scans} failed and no rows came back"))
        } else {
            None
        }
    }

    pub fn describe(&self) -> String {
        let hits = match self.cache_hits {
            0 => String::new(),
            n => format!(", {n} scan{} from cache", if n == 1 { "" } else { "s" }),
        };
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        format!(
            "{} row{} in {:.2} s, {} target{} scanned ({} pruned), {}{hits}",
            self.rows,
            plural(self.rows),
            self.elapsed.as_secs_f64(),
            self.targets,
            plural(self.targets),
            self.pruned,
            self.calls
        )
    }
}
