//! A table as DataFusion sees it: a provider that answers pushdown honestly, and a scan
//! with one partition per target that streams batches as pages arrive.

use std::fmt;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use async_trait::async_trait;
use cove_tables::{Events, FetchError, Quals, Request, ScanContext, ScanEvent, Table};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::TaskContext;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown, TableType};
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::empty::EmptyExec;
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PlanProperties, SendableRecordBatchStream,
};
use futures::FutureExt;
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use tokio::sync::{OwnedSemaphorePermit, mpsc};

use super::failures::Failure;
use super::run::QueryRun;
use super::{Engine, Plan, cache, pushdown};

#[derive(Clone)]
pub struct AwsTable {
    table: Table,
    engine: Arc<Engine>,
}

impl AwsTable {
    pub fn new(table: Table, engine: Arc<Engine>) -> Self {
        AwsTable { table, engine }
    }
}

impl fmt::Debug for AwsTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AwsTable({})", self.table.name)
    }
}

#[async_trait]
impl TableProvider for AwsTable {
    fn schema(&self) -> SchemaRef {
        self.table.schema()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn supports_filters_pushdown(&self, filters: &[&Expr]) -> Result<Vec<TableProviderFilterPushDown>> {
        Ok(filters.iter().map(|f| pushdown::support(&self.table, f)).collect())
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let projection: Vec<usize> = match projection {
            Some(p) => p.clone(),
            None => (0..self.table.columns.len()).collect(),
        };
        let schema = Arc::new(self.table.schema().project(&projection)?);
        let pushed = pushdown::pushed(&self.table, filters);
        let plan = self.engine.plan(self.table.scope, pushed.accounts.as_deref(), pushed.regions.as_deref());
        let run = QueryRun::of(state)?;
        run.note_planned(self.table.name, &plan.targets, plan.pruned);
        if plan.targets.is_empty() || pushed.keys.unsatisfiable() {
            return Ok(Arc::new(EmptyExec::new(schema)));
        }
        let request = Request { projection, limit };
        let partitions = plan.targets.len().min(state.config().target_partitions()).max(1);
        let scan = ScanExec::new(self, run, plan, pushed.keys, request, schema, partitions);
        Ok(Arc::new(scan))
    }
}

pub struct ScanExec {
    table: Table,
    engine: Arc<Engine>,
    run: Arc<QueryRun>,
    plan: Plan,
    quals: Arc<Quals>,
    request: Request,
    properties: Arc<PlanProperties>,
}

impl ScanExec {
    fn new(
        provider: &AwsTable,
        run: Arc<QueryRun>,
        plan: Plan,
        quals: Quals,
        request: Request,
        schema: SchemaRef,
        partitions: usize,
    ) -> Self {
        // The targets spread over a few streams, not a partition each: every operator above
        // a scan (a partial aggregate, a repartition's channels) exists once per partition,
        // so at thousands of targets those, not the rows, would fill the memory.
        let properties = PlanProperties::new(
            EquivalenceProperties::new(schema),
            Partitioning::UnknownPartitioning(partitions),
            EmissionType::Incremental,
            Boundedness::Bounded,
        );
        let (table, engine) = (provider.table.clone(), provider.engine.clone());
        ScanExec { table, engine, run, plan, quals: Arc::new(quals), request, properties: Arc::new(properties) }
    }
}

impl fmt::Debug for ScanExec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_as(DisplayFormatType::Default, f)
    }
}

impl DisplayAs for ScanExec {
    fn fmt_as(&self, _: DisplayFormatType, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AwsScanExec: table={}, targets={}", self.table.name, self.plan.targets.len())?;
        for (column, values) in &self.quals.0 {
            write!(f, ", {column} IN ({})", values.join(", "))?;
        }
        if let Some(limit) = self.request.limit {
            write!(f, ", limit={limit}")?;
        }
        Ok(())
    }
}

impl ExecutionPlan for ScanExec {
    fn name(&self) -> &str {
        "AwsScanExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![]
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn with_new_children(self: Arc<Self>, _children: Vec<Arc<dyn ExecutionPlan>>) -> Result<Arc<dyn ExecutionPlan>> {
        Ok(self)
    }

    fn execute(&self, partition: usize, _context: Arc<TaskContext>) -> Result<SendableRecordBatchStream> {
        let schema: SchemaRef = self.properties.eq_properties.schema().clone();
        let partitions = self.properties.partitioning.partition_count();
        let hydrates = self.table.hydrates_for(&self.request.projection);
        let (table, engine, run) = (self.table.clone(), self.engine.clone(), self.run.clone());
        let (row_regions, quals, request) = (self.plan.row_regions.clone(), self.quals.clone(), self.request.clone());
        let targets: Vec<(String, String)> =
            self.plan.targets.iter().skip(partition).step_by(partitions).cloned().collect();
        let scans = targets.into_iter().map(move |(account, region)| {
            let scan = TargetScan {
                table: table.clone(),
                engine: engine.clone(),
                run: run.clone(),
                key: cache::Key {
                    table: table.name,
                    account,
                    region,
                    row_regions: row_regions.clone(),
                    quals: (*quals).clone(),
                    hydrates: hydrates.clone(),
                },
                request: request.clone(),
            };
            let scan = on_task(scan.stream()).map(|started| started.unwrap_or_else(|e| stream::iter([Err(e)]).boxed()));
            stream::once(scan).flatten().boxed()
        });
        // The engine's permits bound the calls; this bounds the scans waiting for them.
        // Nothing runs until the stream is first polled; dropping it abandons the calls.
        let batches = stream::iter(scans).flatten_unordered(self.engine.concurrency);
        Ok(Box::pin(RecordBatchStreamAdapter::new(schema, batches)))
    }
}

/// One table in one target.
struct TargetScan {
    table: Table,
    engine: Arc<Engine>,
    run: Arc<QueryRun>,
    key: cache::Key,
    request: Request,
}

/// A scan in flight: the events still to come and what is kept for the cache.
struct InFlight {
    events: Events,
    scan: TargetScan,
    /// None once the scan is not cacheable (a LIMIT, or too many rows).
    kept: Option<Vec<RecordBatch>>,
    /// Where the requested columns are in the fetched batches.
    columns: Vec<usize>,
    /// The failed hydrate calls reported so far, one per call and error code.
    hydrate_failures: Vec<Failure>,
    /// While a task runs the scan to the cache: its turn at the key (other queries wanting
    /// the scan wait) and room to call AWS for the whole scan. None while a reader paces
    /// the scan, which then takes permits for each page, so that a reader that pauses (a
    /// client reading a portal a screen at a time) holds up no other scan.
    running_to_cache: Option<(cache::Flight, Vec<OwnedSemaphorePermit>)>,
}

/// What the task running a cacheable scan hands its reader.
enum Handoff {
    Batch(Result<RecordBatch>),
    /// The scan grew too large to cache: the reader takes over and paces it.
    Rest(Box<InFlight>),
}

/// Where a reader's batches come from.
enum Source {
    Task(mpsc::UnboundedReceiver<Handoff>),
    Direct(Box<InFlight>),
    Ended,
}

/// Runs `future` on a task of its own, so that a turn it waits for (at a cache key, for
/// permits) is taken as soon as it comes, however the stream wanting it is read. The
/// queues are fair: a turn goes to the first waiter, and a waiter nobody polls (a join
/// reading one side to its end before it reads the other) would keep it, stalling every
/// scan behind it, for good when one of those is the side being read. Dropping the
/// future aborts the task.
async fn on_task<T: Send + 'static>(future: impl Future<Output = T> + Send + 'static) -> Result<T> {
    struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);
    impl<T> Drop for AbortOnDrop<T> {
        fn drop(&mut self) {
            self.0.abort();
        }
    }
    let mut task = AbortOnDrop(tokio::spawn(future));
    (&mut task.0).await.map_err(|e| DataFusionError::Execution(format!("a scan stopped unexpectedly: {e}")))
}

impl InFlight {
    fn failure(&self, hydrate: Option<usize>, error: FetchError) -> Failure {
        let key = &self.scan.key;
        Failure {
            account_id: key.account.clone(),
            region: key.region.clone(),
            table: key.table.to_string(),
            hydrate,
            error,
        }
    }

    /// Reports a failed hydrate call, unless the same call already failed the same way.
    fn hydrate_failed(&mut self, hydrate: usize, error: FetchError) {
        let seen = |f: &Failure| f.hydrate == Some(hydrate) && f.error.code == error.code;
        if self.hydrate_failures.iter().any(seen) {
            return;
        }
        let calls =
            self.scan.table.hydrates.get(hydrate).map_or_else(|| "hydrate".to_string(), |h| h.calls.to_string());
        let failure = self.failure(Some(hydrate), error.context(calls));
        self.scan.run.record_failure(failure.clone());
        self.hydrate_failures.push(failure);
    }

    /// The next batch of the requested columns; None when the scan is over.
    async fn next(&mut self) -> Option<Result<RecordBatch>> {
        let _page_permits = match self.running_to_cache {
            Some(_) => None,
            None => Some(
                self.scan.engine.permits(&self.scan.key.account, &self.scan.key.region, self.scan.table.service).await,
            ),
        };
        loop {
            match self.events.next().await {
                Some(Ok(ScanEvent::HydrateFailed { hydrate, error })) => self.hydrate_failed(hydrate, error),
                Some(Ok(ScanEvent::Batch(batch))) => {
                    self.scan.run.progress.rows.fetch_add(batch.num_rows(), Ordering::Relaxed);
                    if let Some(kept) = &mut self.kept {
                        kept.push(batch.clone());
                        if kept.iter().map(RecordBatch::num_rows).sum::<usize>() > cache::MAX_ROWS {
                            self.kept = None;
                        }
                    }
                    return Some(batch.project(&self.columns).map_err(Into::into));
                }
                Some(Err(error)) => {
                    self.scan.run.progress.targets_done.fetch_add(1, Ordering::Relaxed);
                    self.scan.run.record_failure(self.failure(None, error));
                    self.kept = None;
                    return None;
                }
                None => {
                    self.scan.run.progress.targets_done.fetch_add(1, Ordering::Relaxed);
                    if let (Some(cache), Some(kept)) = (&self.scan.engine.cache, self.kept.take()) {
                        cache.put(self.scan.key.clone(), kept, std::mem::take(&mut self.hydrate_failures));
                    }
                    return None;
                }
            }
        }
    }
}

impl TargetScan {
    /// The scan's batches: from the cache, or from AWS as pages arrive.
    async fn stream(mut self) -> BoxStream<'static, Result<RecordBatch>> {
        let engine = self.engine.clone();
        let cache = engine.cache.as_ref().filter(|_| self.request.limit.is_none());
        // A cached scan makes the calls every query of the run needs and keeps every column
        // they fill; this query takes its own columns.
        let (flight, fetched) = match cache {
            Some(cache) => {
                self.key.hydrates = self.run.shared_hydrates(self.table.name, &self.key.hydrates);
                (Some(cache.flight(&self.key).await), self.table.columns_filled_by(&self.key.hydrates))
            }
            None => (None, self.request.projection.clone()),
        };
        let columns: Vec<usize> =
            self.request.projection.iter().filter_map(|c| fetched.iter().position(|f| f == c)).collect();
        if let Some(cache::Scan { batches, failures }) = cache.and_then(|c| c.get(&self.key)) {
            for failure in failures.iter() {
                self.run.record_failure(failure.clone());
            }
            self.run.progress.targets_done.fetch_add(1, Ordering::Relaxed);
            let rows = batches.iter().map(RecordBatch::num_rows).sum();
            self.run.progress.rows.fetch_add(rows, Ordering::Relaxed);
            let projected: Vec<_> = batches.iter().map(|b| b.project(&columns).map_err(Into::into)).collect();
            return stream::iter(projected).boxed();
        }
        self.request.projection = fetched;
        // The first permits also cover finding the target (an AssumeRole, the first time).
        let permits = engine.permits(&self.key.account, &self.key.region, self.table.service).await;
        let (account, region) = (&self.key.account, &self.key.region);
        let events = match engine.estate.target(account, region, self.key.row_regions.clone()).await {
            Ok(mut target) => {
                target.retry_partition = Some(engine.retry_partition(account, region, self.table.service));
                let scan = ScanContext {
                    target: Arc::new(target),
                    quals: Arc::new(self.key.quals.clone()),
                    limit: self.request.limit,
                };
                // A target that failed says which call failed (and gave up on throttling).
                let calls = self.table.list_calls.to_string();
                self.table.fetch(scan, self.request.clone()).map_err(move |error| error.context(&calls)).boxed()
            }
            Err(error) => stream::iter([Err(error)]).boxed(),
        };
        let kept = cache.is_some().then(Vec::new);
        // Without a flight the scan is not cached: the permits go, its reader paces it.
        let running_to_cache = flight.map(|flight| (flight, permits));
        let state =
            Box::new(InFlight { events, scan: self, kept, columns, hydrate_failures: Vec::new(), running_to_cache });
        let source = match state.running_to_cache.is_some() {
            true => Source::Task(state.run_to_cache()),
            false => Source::Direct(state),
        };
        stream::unfold(source, |source| async move {
            let mut state = match source {
                Source::Direct(state) => state,
                Source::Task(mut handoffs) => match handoffs.recv().await? {
                    Handoff::Batch(batch) => return Some((batch, Source::Task(handoffs))),
                    Handoff::Rest(state) => state,
                },
                Source::Ended => return None,
            };
            // Each page on a task: it takes permits (see `on_task`).
            let page = on_task(async move { state.next().await.map(|batch| (batch, state)) }).await;
            match page {
                Ok(Some((batch, state))) => Some((batch, Source::Direct(state))),
                Ok(None) => None,
                Err(error) => Some((Err(error), Source::Ended)),
            }
        })
        .boxed()
    }
}

impl InFlight {
    /// Runs the scan to its end on a task of its own, so that it reaches the cache, and
    /// frees the queries waiting for it, however slowly its reader reads. Once it is too
    /// large to cache it is handed to the reader; a reader that goes away stops it.
    fn run_to_cache(mut self: Box<Self>) -> mpsc::UnboundedReceiver<Handoff> {
        let (handoffs, reader) = mpsc::unbounded_channel();
        let key = &self.scan.key;
        let failed = format!("the scan of {} in {} {} stopped unexpectedly", key.table, key.account, key.region);
        // The task keeps one sender to hear the reader leave, and gives the scan another.
        let sender = handoffs.clone();
        let scan = async move {
            while let Some(batch) = self.next().await {
                let _ = sender.send(Handoff::Batch(batch));
                if self.kept.is_none() {
                    self.running_to_cache = None;
                    let _ = sender.send(Handoff::Rest(self));
                    return;
                }
            }
        };
        tokio::spawn(async move {
            tokio::select! {
                () = handoffs.closed() => {}
                // A bug in a table's code ends its scan with an error, not a short answer.
                finished = AssertUnwindSafe(scan).catch_unwind() => if finished.is_err() {
                    let _ = handoffs.send(Handoff::Batch(Err(DataFusionError::Execution(failed))));
                }
            }
        });
        reader
    }
}
