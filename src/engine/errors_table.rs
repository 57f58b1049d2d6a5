//! `cove_errors`: the failures of the last query, as a table to query afterwards.

use std::sync::{Arc, LazyLock};

use async_trait::async_trait;
use datafusion::arrow::array::{ArrayRef, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::{Session, TableProvider};
use datafusion::datasource::MemTable;
use datafusion::error::Result;
use datafusion::logical_expr::{Expr, TableType};
use datafusion::physical_plan::ExecutionPlan;

use super::failures::Failure;
use super::run::QueryRun;

pub const NAME: &str = "cove_errors";

static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    let text = |name| Field::new(name, DataType::Utf8, false);
    Arc::new(Schema::new(vec![
        text("account_id"),
        text("region"),
        text("table_name"),
        text("error_code"),
        text("error_message"),
    ]))
});

/// Reads the failures its query run was started with: the last query's of the same
/// shell, command or client.
pub struct ErrorsTable;

impl std::fmt::Debug for ErrorsTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(NAME)
    }
}

#[async_trait]
impl TableProvider for ErrorsTable {
    fn schema(&self) -> SchemaRef {
        SCHEMA.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Temporary
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let run = QueryRun::of(state)?;
        let failures = run.previous_failures();
        let column = |value: fn(&Failure) -> &str| -> ArrayRef {
            Arc::new(failures.iter().map(|f| Some(value(f))).collect::<StringArray>())
        };
        let batch = RecordBatch::try_new(
            SCHEMA.clone(),
            vec![
                column(|f| &f.account_id),
                column(|f| &f.region),
                column(|f| &f.table),
                column(|f| &f.error.code),
                column(|f| &f.error.message),
            ],
        )?;
        MemTable::try_new(SCHEMA.clone(), vec![vec![batch]])?.scan(state, projection, filters, limit).await
    }
}
