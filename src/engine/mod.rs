//! The engine: the estate in scope, scans of the catalog's tables over it, and the
//! DataFusion session queries run in. What every scan shares lives here: the estate, the
//! call guard, the concurrency limits, the cache, and the failures of the running query.

pub mod cache;
mod copy;
pub mod errors_table;
pub mod estate;
pub mod failures;
pub mod guard;
mod postgres;
pub mod pushdown;
pub mod scan;
pub mod session;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use cove_tables::{Scope, Table};
use parking_lot::Mutex;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use cache::Cache;
use estate::Estate;
use failures::Failure;
use guard::Guard;

/// (account, region, service)
type ServiceKey = (String, String, &'static str);

/// Scans of one service in one account and region at once.
const SCANS_PER_SERVICE: usize = 4;

/// How far the running query has got, for a progress line.
#[derive(Debug, Default)]
pub struct Progress {
    pub targets: AtomicUsize,
    /// Targets that filters on account_id / region removed before any call.
    pub pruned: AtomicUsize,
    pub targets_done: AtomicUsize,
    pub rows: AtomicUsize,
}

impl Progress {
    pub fn reset(&self) {
        for counter in [&self.targets, &self.pruned, &self.targets_done, &self.rows] {
            counter.store(0, Ordering::Relaxed);
        }
    }
}

pub struct Engine {
    pub estate: Estate,
    pub guard: Guard,
    pub tables: Vec<Table>,
    /// None when caching is off.
    pub cache: Option<Cache>,
    pub progress: Progress,
    limit: Arc<Semaphore>,
    /// Scans at once per (account, region, service), so no one API is hammered.
    service_limits: Mutex<HashMap<ServiceKey, Arc<Semaphore>>>,
    failures: Mutex<Vec<Failure>>,
    /// The running query's targets in regions the account has not enabled.
    skipped: Mutex<Vec<Failure>>,
    /// The failures of the last finished query, for `cove_errors` and `.errors`.
    last_failures: Mutex<Vec<Failure>>,
    /// The targets each table of the running query was planned to scan.
    planned: Mutex<HashMap<&'static str, BTreeSet<(String, String)>>>,
    /// For a check run: per table, every hydrate call some control needs, so that one
    /// scan per target serves all of them.
    shared_hydrates: Mutex<HashMap<&'static str, Vec<usize>>>,
}

/// The (account, region) pairs a scan runs in, and for tables whose rows carry their own
/// region, which row regions are wanted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub targets: Vec<(String, String)>,
    pub row_regions: Option<Arc<Vec<String>>>,
    /// Targets of the table that the filters on account_id / region left out.
    pub pruned: usize,
}

impl Engine {
    pub fn new(estate: Estate, guard: Guard, tables: Vec<Table>, concurrency: usize, cache: Option<Cache>) -> Engine {
        Engine {
            estate,
            guard,
            tables,
            cache,
            progress: Progress::default(),
            limit: Arc::new(Semaphore::new(concurrency)),
            service_limits: Mutex::new(HashMap::new()),
            failures: Mutex::new(Vec::new()),
            skipped: Mutex::new(Vec::new()),
            last_failures: Mutex::new(Vec::new()),
            planned: Mutex::new(HashMap::new()),
            shared_hydrates: Mutex::new(HashMap::new()),
        }
    }

    /// Makes scans of `table` also make these hydrate calls (see `shared_hydrates`).
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

    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// Waits for room to scan `service` in one account and region, within the global limit.
    pub async fn permits(&self, account: &str, region: &str, service: &'static str) -> Vec<OwnedSemaphorePermit> {
        let per_service = self
            .service_limits
            .lock()
            .entry((account.to_string(), region.to_string(), service))
            .or_insert_with(|| Arc::new(Semaphore::new(SCANS_PER_SERVICE)))
            .clone();
        // The narrow permit first, so a waiting scan does not hold a global slot.
        let narrow = per_service.acquire_owned().await.ok();
        let global = self.limit.clone().acquire_owned().await.ok();
        narrow.into_iter().chain(global).collect()
    }

    /// The targets of a scan of `scope`, pruned by `account_id` / `region` values.
    pub fn plan(&self, scope: Scope, accounts: Option<&[String]>, regions: Option<&[String]>) -> Plan {
        let account_wanted = |id: &str| accounts.is_none_or(|wanted| wanted.iter().any(|w| w == id));
        let region_wanted = |region: &str| regions.is_none_or(|wanted| wanted.iter().any(|w| w == region));
        let in_scope: Vec<String> = self.estate.regions.iter().filter(|r| region_wanted(r)).cloned().collect();
        let home = &self.estate.regions[0];
        // Every target of the table, and whether the filters keep it.
        let candidates: Vec<(&str, &str, bool)> = match scope {
            Scope::Regional => self
                .estate
                .regions
                .iter()
                .flat_map(|r| self.estate.accounts.iter().map(move |a| (a.id.as_str(), r.as_str())))
                .map(|(a, r)| (a, r, account_wanted(a) && region_wanted(r)))
                .collect(),
            Scope::Global | Scope::GlobalWithRegionColumn => {
                let regions_kept = match scope {
                    Scope::Global => region_wanted("global"),
                    _ => !in_scope.is_empty(),
                };
                self.estate
                    .accounts
                    .iter()
                    .map(|a| (a.id.as_str(), home.as_str(), account_wanted(&a.id) && regions_kept))
                    .collect()
            }
        };
        let targets: Vec<(String, String)> =
            candidates.iter().filter(|c| c.2).map(|(a, r, _)| (a.to_string(), r.to_string())).collect();
        Plan {
            pruned: candidates.len() - targets.len(),
            targets,
            row_regions: (scope == Scope::GlobalWithRegionColumn).then(|| Arc::new(in_scope)),
        }
    }

    /// Records a target's failure; under `--regions all`, a region the account has not
    /// enabled is a skipped target instead, not an error.
    pub fn record_failure(&self, failure: Failure) {
        if self.estate.all_regions && failure.error.may_be_region_not_enabled() {
            self.skipped.lock().push(failure);
            return;
        }
        self.failures.lock().push(failure);
    }

    /// The running query's targets skipped because their region is not enabled.
    pub fn skipped_targets(&self) -> Vec<Failure> {
        self.skipped.lock().clone()
    }

    /// Notes that the running query scans `table` in `targets`.
    pub fn note_planned(&self, table: &'static str, targets: &[(String, String)]) {
        self.planned.lock().entry(table).or_default().extend(targets.iter().cloned());
    }

    /// The tables of the running query whose list failed in every target planned: whatever
    /// the query computes over them (a count of nothing is still a row) is no answer.
    pub fn tables_failed_everywhere(&self, failures: &[Failure]) -> Vec<&'static str> {
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

    /// Starts a query: failures left by an abandoned one are dropped, progress restarts.
    pub fn begin_query(&self) {
        self.failures.lock().clear();
        self.skipped.lock().clear();
        self.planned.lock().clear();
        self.progress.reset();
    }

    /// Ends a query: its failures, in a stable order, become the last query's.
    pub fn finish_query(&self) -> Vec<Failure> {
        let mut failures = std::mem::take(&mut *self.failures.lock());
        failures.sort_by(|a, b| (&a.account_id, &a.table, &a.region).cmp(&(&b.account_id, &b.table, &b.region)));
        *self.last_failures.lock() = failures.clone();
        failures
    }

    pub fn last_failures(&self) -> Vec<Failure> {
        self.last_failures.lock().clone()
    }
}
