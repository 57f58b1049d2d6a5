//! What every scan shares: the estate, the call guard, the concurrency limit, and the
//! failures of the running query.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use cove_tables::{FetchError, Scope, Table};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::cache::Cache;
use crate::estate::Estate;
use crate::guard::Guard;

/// (account, region, service)
type ServiceKey = (String, String, &'static str);

/// Scans of one service in one account and region at once.
const SCANS_PER_SERVICE: usize = 4;

/// Error codes of a region the account has not enabled; with `--regions all` such
/// targets are skipped rather than reported.
const REGION_NOT_ENABLED: &[&str] =
    &["AuthFailure", "OptInRequired", "UnrecognizedClientException", "InvalidClientTokenId"];

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
    /// The failures of the last finished query, for `cove_errors` and `.errors`.
    last_failures: Mutex<Vec<Failure>>,
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
}

impl Engine {
    pub fn new(estate: Estate, guard: Guard, concurrency: usize, cache: Option<Cache>) -> Engine {
        Engine {
            estate,
            guard,
            tables: cove_tables::catalog(),
            cache,
            progress: Progress::default(),
            limit: Arc::new(Semaphore::new(concurrency)),
            service_limits: Mutex::new(HashMap::new()),
            failures: Mutex::new(Vec::new()),
            last_failures: Mutex::new(Vec::new()),
            shared_hydrates: Mutex::new(HashMap::new()),
        }
    }

    /// Makes scans of `table` also make these hydrate calls (see `shared_hydrates`).
    pub fn share_hydrates(&self, table: &'static str, hydrates: &[usize]) {
        let mut shared = self.shared_hydrates.lock().unwrap_or_else(|e| e.into_inner());
        let all = shared.entry(table).or_default();
        all.extend_from_slice(hydrates);
        all.sort_unstable();
        all.dedup();
    }

    /// `hydrates` and those shared for `table`.
    pub fn shared_hydrates(&self, table: &str, hydrates: &[usize]) -> Vec<usize> {
        let shared = self.shared_hydrates.lock().unwrap_or_else(|e| e.into_inner());
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
            .unwrap_or_else(|e| e.into_inner())
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
        let accounts: Vec<&str> = self
            .estate
            .accounts
            .iter()
            .map(|a| a.id.as_str())
            .filter(|id| accounts.is_none_or(|wanted| wanted.iter().any(|w| w == id)))
            .collect();
        let in_scope: Vec<String> =
            self.estate.regions.iter().filter(|r| regions.is_none_or(|wanted| wanted.contains(r))).cloned().collect();
        let home = self.estate.regions[0].clone();
        let per_account =
            |region: &str| accounts.iter().map(|a| (a.to_string(), region.to_string())).collect::<Vec<_>>();
        match scope {
            Scope::Regional => {
                Plan { targets: in_scope.iter().flat_map(|r| per_account(r)).collect(), row_regions: None }
            }
            Scope::Global => {
                let wanted = regions.is_none_or(|wanted| wanted.iter().any(|r| r == "global"));
                Plan { targets: if wanted { per_account(&home) } else { Vec::new() }, row_regions: None }
            }
            Scope::GlobalWithRegionColumn => Plan {
                targets: if in_scope.is_empty() { Vec::new() } else { per_account(&home) },
                row_regions: Some(Arc::new(in_scope)),
            },
        }
    }

    pub fn record_failure(&self, failure: Failure) {
        if self.estate.all_regions && REGION_NOT_ENABLED.contains(&failure.error.code.as_str()) {
            return;
        }
        self.failures.lock().unwrap_or_else(|e| e.into_inner()).push(failure);
    }

    /// Starts a query: failures left by an abandoned one are dropped, progress restarts.
    pub fn begin_query(&self) {
        self.failures.lock().unwrap_or_else(|e| e.into_inner()).clear();
        self.progress.reset();
    }

    /// Ends a query: its failures, in a stable order, become the last query's.
    pub fn finish_query(&self) -> Vec<Failure> {
        let mut failures = std::mem::take(&mut *self.failures.lock().unwrap_or_else(|e| e.into_inner()));
        failures.sort_by(|a, b| (&a.account_id, &a.table, &a.region).cmp(&(&b.account_id, &b.table, &b.region)));
        *self.last_failures.lock().unwrap_or_else(|e| e.into_inner()) = failures.clone();
        failures
    }

    pub fn last_failures(&self) -> Vec<Failure> {
        self.last_failures.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}
