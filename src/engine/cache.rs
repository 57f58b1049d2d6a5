//! Scan results kept for a while, so a re-run query or the controls of one check run
//! do not call AWS again for the same thing.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use cove_tables::Quals;
use datafusion::arrow::record_batch::RecordBatch;
use parking_lot::Mutex;

use super::failures::Failure;

/// A scan of one table in one target: everything that decides which calls it makes.
/// Columns are not part of it: a cached scan holds every column its calls fill, so
/// queries projecting different columns of the same rows share it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub table: &'static str,
    pub account: String,
    pub region: String,
    pub row_regions: Option<Vec<String>>,
    pub quals: Quals,
    /// Indices of the table's hydrate calls the scan makes.
    pub hydrates: Vec<usize>,
}

/// Scans returning more rows than this are not kept, so caching never holds a large
/// export in memory.
pub const MAX_ROWS: usize = 100_000;

/// A finished scan: its batches, and the hydrate calls that failed in it, which a query
/// reusing it reports again.
#[derive(Clone)]
pub struct Scan {
    pub batches: Arc<Vec<RecordBatch>>,
    pub failures: Arc<Vec<Failure>>,
}

type Entry = (Instant, Scan);

pub struct Cache {
    ttl: Duration,
    entries: Mutex<HashMap<Key, Entry>>,
    /// One lock per key, held while that scan runs, so that concurrent queries wanting
    /// the same scan (the controls of a check run) wait for it instead of repeating it.
    flights: Mutex<HashMap<Key, Arc<tokio::sync::Mutex<()>>>>,
    hits: AtomicU64,
}

impl Cache {
    pub fn new(ttl: Duration) -> Cache {
        Cache { ttl, entries: Mutex::new(HashMap::new()), flights: Mutex::new(HashMap::new()), hits: AtomicU64::new(0) }
    }

    /// Waits until no other scan of `key` is running; the guard marks this one's turn.
    pub async fn flight(&self, key: &Key) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = self.flights.lock().entry(key.clone()).or_default().clone();
        lock.lock_owned().await
    }

    pub fn get(&self, key: &Key) -> Option<Scan> {
        let mut entries = self.entries.lock();
        match entries.get(key) {
            Some((at, scan)) if at.elapsed() < self.ttl => {
                self.hits.fetch_add(1, Ordering::Relaxed);
                Some(scan.clone())
            }
            Some(_) => {
                entries.remove(key);
                None
            }
            None => None,
        }
    }

    pub fn put(&self, key: Key, batches: Vec<RecordBatch>, failures: Vec<Failure>) {
        let scan = Scan { batches: Arc::new(batches), failures: Arc::new(failures) };
        self.entries.lock().insert(key, (Instant::now(), scan));
    }

    pub fn clear(&self) -> usize {
        let mut entries = self.entries.lock();
        let n = entries.len();
        entries.clear();
        n
    }

    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }
}
