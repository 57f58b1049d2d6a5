//! The engine: the estate in scope, scans of the catalog's tables over it, and the
//! DataFusion session queries run in. What every scan shares lives here: the estate, the
//! call guard, the concurrency limits and the cache. What one query found out lives in its
//! own `run::QueryRun`.

pub mod cache;
mod copy;
pub mod errors_table;
pub mod estate;
pub mod failures;
pub mod guard;
mod postgres;
pub mod pushdown;
pub mod run;
pub mod scan;
pub mod session;

use std::collections::HashMap;
use std::sync::Arc;

use aws_smithy_runtime::client::retries::RetryPartition;
use cove_tables::{Scope, Table};
use parking_lot::Mutex;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use cache::Cache;
use estate::Estate;
use guard::Guard;

/// (account, region, service)
type ServiceKey = (String, String, &'static str);

/// Scans of one service in one account and region at once.
const SCANS_PER_SERVICE: usize = 4;

/// What the scans of one service in one account and region share: room to run, and the
/// retry partition whose budget their retries draw on (AWS's rate limits are per account
/// and region, so a throttled account uses up only its own retries).
#[derive(Clone)]
struct Lane {
    scans: Arc<Semaphore>,
    retries: RetryPartition,
}

pub struct Engine {
    pub estate: Estate,
    pub guard: Guard,
    pub tables: Vec<Table>,
    /// None when caching is off.
    pub cache: Option<Cache>,
    limit: Arc<Semaphore>,
    /// Targets scanned at once.
    pub concurrency: usize,
    /// What the scans of one service in one account and region share.
    lanes: Mutex<HashMap<ServiceKey, Lane>>,
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
            limit: Arc::new(Semaphore::new(concurrency)),
            concurrency,
            lanes: Mutex::new(HashMap::new()),
        }
    }

    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }

    fn lane(&self, account: &str, region: &str, service: &'static str) -> Lane {
        let key = (account.to_string(), region.to_string(), service);
        let mut lanes = self.lanes.lock();
        let lane = lanes.entry(key).or_insert_with(|| Lane {
            scans: Arc::new(Semaphore::new(SCANS_PER_SERVICE)),
            retries: cove_tables::retry_partition(account, region, service),
        });
        lane.clone()
    }

    /// Waits for room to scan `service` in one account and region, within the global limit.
    pub async fn permits(&self, account: &str, region: &str, service: &'static str) -> Vec<OwnedSemaphorePermit> {
        let per_service = self.lane(account, region, service).scans;
        // The narrow permit first, so a waiting scan does not hold a global slot.
        let narrow = per_service.acquire_owned().await.ok();
        let global = self.limit.clone().acquire_owned().await.ok();
        narrow.into_iter().chain(global).collect()
    }

    /// The retry partition of calls to `service` in one account and region.
    pub fn retry_partition(&self, account: &str, region: &str, service: &'static str) -> RetryPartition {
        self.lane(account, region, service).retries
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
}
