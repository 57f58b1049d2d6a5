//! A table as DataFusion sees it: a provider that answers pushdown honestly, and a scan
//! with one partition per target that streams batches as pages arrive.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use cove_tables::{Call, Quals, Request, Table};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::error::Result;
use datafusion::execution::TaskContext;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown, TableType};
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::empty::EmptyExec;
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PlanProperties, SendableRecordBatchStream,
};
use futures::stream::{self, StreamExt};

use crate::engine::{Engine, Failure, Plan};
use crate::pushdown;

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
        _state: &dyn Session,
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
        if plan.targets.is_empty() || pushed.keys.values().any(Vec::is_empty) {
            return Ok(Arc::new(EmptyExec::new(schema)));
        }
        Ok(Arc::new(ScanExec::new(
            self.table.clone(),
            self.engine.clone(),
            plan,
            Quals(pushed.keys.into_iter().collect()),
            Request { projection, limit },
            schema,
        )))
    }
}

pub struct ScanExec {
    table: Table,
    engine: Arc<Engine>,
    plan: Plan,
    quals: Arc<Quals>,
    request: Request,
    properties: Arc<PlanProperties>,
}

impl ScanExec {
    fn new(table: Table, engine: Arc<Engine>, plan: Plan, quals: Quals, request: Request, schema: SchemaRef) -> Self {
        let properties = PlanProperties::new(
            EquivalenceProperties::new(schema),
            Partitioning::UnknownPartitioning(plan.targets.len()),
            EmissionType::Incremental,
            Boundedness::Bounded,
        );
        ScanExec { table, engine, plan, quals: Arc::new(quals), request, properties: Arc::new(properties) }
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
        let (account, region) = self.plan.targets[partition].clone();
        let (table, engine, quals, request) =
            (self.table.clone(), self.engine.clone(), self.quals.clone(), self.request.clone());
        let row_regions = self.plan.row_regions.clone();
        let failure = {
            let (engine, account, region, table) = (engine.clone(), account.clone(), region.clone(), table.name);
            move |error| {
                engine.record_failure(Failure {
                    account_id: account.clone(),
                    region: region.clone(),
                    table: table.into(),
                    error,
                })
            }
        };
        // Nothing runs until the stream is first polled; dropping it abandons the calls.
        let batches = stream::once(async move {
            let permit = engine.limit().acquire_owned().await;
            let target = match engine.estate.target(&account, &region, row_regions).await {
                Ok(target) => target,
                Err(error) => return stream::iter([Err(error)]).boxed(),
            };
            let call = Call { target: Arc::new(target), quals, limit: request.limit };
            // The permit lives as long as the target's stream.
            table
                .fetch(call, request)
                .map(move |batch| {
                    let _held = &permit;
                    batch
                })
                .boxed()
        })
        .flatten()
        .scan((), move |_, batch| {
            futures::future::ready(match batch {
                Ok(batch) => Some(Ok(batch)),
                Err(error) => {
                    failure(error);
                    None
                }
            })
        });
        Ok(Box::pin(RecordBatchStreamAdapter::new(schema, batches)))
    }
}
