//! Scan results kept for a while, so a re-run query or the controls of one check run
//! do not call AWS again for the same thing.

use std::collections::{HashMap, VecDeque};
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
    /// For tables whose rows carry their own region: the regions kept.
    pub row_regions: Option<Arc<Vec<String>>>,
    pub quals: Quals,
    /// Indices of the table's hydrate calls the scan makes.
    pub hydrates: Vec<usize>,
}

/// Scans returning more rows than this are not kept, so caching never holds a large
/// export in memory.
pub const MAX_ROWS: usize = 100_000;

/// The most memory the kept scans may take together. Past it a new scan is not kept:
/// over thousands of targets every column of every row would otherwise stay in memory
/// for the whole TTL.
pub const MAX_BYTES: usize = 256 << 20;

/// A finished scan: its batches, and the hydrate calls that failed in it, which a query
/// reusing it reports again.
#[derive(Clone)]
pub struct Scan {
    pub batches: Arc<Vec<RecordBatch>>,
    pub failures: Arc<Vec<Failure>>,
}

/// When a scan was kept, the scan, and the memory its batches take.
type Entry = (Instant, Scan, usize);

#[derive(Default)]
struct Entries {
    map: HashMap<Key, Entry>,
    /// Keys in the order they were kept, so that the expired ones are found at the front
    /// instead of by a look at every entry (which, once the budget is full, every new scan
    /// over thousands of targets would make). A key kept again is here twice: only the
    /// record whose time matches the entry's counts.
    order: VecDeque<(Instant, Key)>,
    bytes: usize,
}

/// One lock per key, held while that scan runs.
type Flights = Arc<Mutex<HashMap<Key, Arc<tokio::sync::Mutex<()>>>>>;

/// A scan's turn at its key: other scans of the key wait until it is dropped.
pub struct Flight {
    key: Key,
    flights: Flights,
    turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Drop for Flight {
    fn drop(&mut self) {
        let mut flights = self.flights.lock();
        self.turn = None;
        // The key's lock goes once no scan waits for it, so that a server running for weeks
        // does not keep one for every key it ever scanned.
        if flights.get(&self.key).is_some_and(|lock| Arc::strong_count(lock) == 1) {
            flights.remove(&self.key);
        }
    }
}

impl Entries {
    fn remove(&mut self, key: &Key) {
        if let Some((.., bytes)) = self.map.remove(key) {
            self.bytes -= bytes;
        }
    }
}

pub struct Cache {
    ttl: Duration,
    entries: Mutex<Entries>,
    max_bytes: usize,
    /// Concurrent queries wanting the same scan (the controls of a check run, a server's
    /// clients) wait for it instead of repeating it.
    flights: Flights,
    hits: AtomicU64,
}

impl Cache {
    pub fn new(ttl: Duration) -> Cache {
        Cache {
            ttl,
            entries: Mutex::default(),
            max_bytes: MAX_BYTES,
            flights: Flights::default(),
            hits: AtomicU64::new(0),
        }
    }

    /// Waits until no other scan of `key` is running; the guard marks this one's turn.
    pub async fn flight(&self, key: &Key) -> Flight {
        let lock = self.flights.lock().entry(key.clone()).or_default().clone();
        let turn = lock.lock_owned().await;
        Flight { key: key.clone(), flights: self.flights.clone(), turn: Some(turn) }
    }

    pub fn get(&self, key: &Key) -> Option<Scan> {
        let mut entries = self.entries.lock();
        match entries.map.get(key) {
            Some((at, scan, _)) if at.elapsed() < self.ttl => {
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

    /// Keeps a scan, if it fits in the budget once the expired ones are gone.
    pub fn put(&self, key: Key, batches: Vec<RecordBatch>, failures: Vec<Failure>) {
        let bytes = batches.iter().map(RecordBatch::get_array_memory_size).sum::<usize>();
        let mut entries = self.entries.lock();
        entries.remove(&key);
        if entries.bytes + bytes > self.max_bytes {
            while let Some((at, _)) = entries.order.front().filter(|(at, _)| at.elapsed() >= self.ttl) {
                let at = *at;
                let Some((_, key)) = entries.order.pop_front() else { break };
                if entries.map.get(&key).is_some_and(|(kept, ..)| *kept == at) {
                    entries.remove(&key);
                }
            }
            if entries.bytes + bytes > self.max_bytes {
                return;
            }
        }
        let scan = Scan { batches: Arc::new(batches), failures: Arc::new(failures) };
        let now = Instant::now();
        entries.bytes += bytes;
        entries.order.push_back((now, key.clone()));
        entries.map.insert(key, (now, scan, bytes));
    }

    pub fn clear(&self) -> usize {
        let mut entries = self.entries.lock();
        let n = entries.map.len();
        *entries = Entries::default();
        n
    }

    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(account: &str) -> Key {
        Key {
            table: "aws_ec2_instance",
            account: account.into(),
            region: "us-east-1".into(),
            row_regions: None,
            quals: Quals::default(),
            hydrates: Vec::new(),
        }
    }

    fn batch(rows: usize) -> RecordBatch {
        let ids = datafusion::arrow::array::Int64Array::from_iter_values(0..rows as i64);
        RecordBatch::try_from_iter([("id", Arc::new(ids) as _)]).unwrap()
    }

    #[test]
    fn kept_scans_stay_within_the_memory_budget() {
        let size = batch(1000).get_array_memory_size();
        let cache = Cache { max_bytes: 2 * size, ..Cache::new(Duration::from_secs(60)) };
        for account in ["111111111111", "222222222222", "333333333333"] {
            cache.put(key(account), vec![batch(1000)], Vec::new());
        }
        assert!(cache.get(&key("111111111111")).is_some() && cache.get(&key("222222222222")).is_some());
        assert!(cache.get(&key("333333333333")).is_none(), "past the budget, a scan is not kept");
        cache.put(key("111111111111"), vec![batch(10)], Vec::new());
        cache.put(key("333333333333"), vec![batch(10)], Vec::new());
        assert!(cache.get(&key("333333333333")).is_some(), "a scan replaced gives its room back");
        assert_eq!(cache.clear(), 3);
        assert_eq!(cache.entries.lock().bytes, 0);

        let expiring = Cache { max_bytes: size, ..Cache::new(Duration::ZERO) };
        expiring.put(key("111111111111"), vec![batch(1000)], Vec::new());
        expiring.put(key("222222222222"), vec![batch(1000)], Vec::new());
        assert_eq!(expiring.entries.lock().map.len(), 1, "an expired scan makes room for a new one");
        assert!(expiring.entries.lock().map.contains_key(&key("222222222222")));
    }

    #[tokio::test]
    async fn a_keys_lock_is_kept_while_a_scan_waits_for_it_and_no_longer() {
        let cache = Arc::new(Cache::new(Duration::from_secs(60)));
        let key = key("111111111111");
        let holders = |cache: &Cache| cache.flights.lock().get(&key).map(Arc::strong_count);
        let first = cache.flight(&key).await;
        let waiting = tokio::spawn({
            let (cache, key) = (cache.clone(), key.clone());
            async move { drop(cache.flight(&key).await) }
        });
        // The map's, the first scan's, and the waiting one's.
        while holders(&cache) != Some(3) {
            tokio::task::yield_now().await;
        }
        drop(first);
        assert_eq!(holders(&cache), Some(2), "kept for the scan waiting");
        waiting.await.unwrap();
        assert_eq!(holders(&cache), None);
    }
}
