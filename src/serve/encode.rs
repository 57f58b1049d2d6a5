//! Arrow to the wire: columns as Postgres types and batches as data rows or COPY data
//! (arrow-pg), with cove's JSON columns typed `json`, so drivers hand them over parsed
//! (psycopg a dict, tokio-postgres a `serde_json::Value`), and parameters from the wire as
//! DataFusion values.

use std::sync::Arc;

use arrow_pg::datatypes::df::deserialize_parameters;
use arrow_pg::datatypes::{arrow_schema_to_pg_fields, encode_recordbatch, into_pg_type};
use arrow_pg::encoder::encode_value;
use cove_tables::JSON_METADATA_KEY;
use datafusion::arrow::datatypes::{DataType, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::ParamValues;
use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::logical_expr::{Expr, LogicalPlan};
use pgwire::api::Type;
use pgwire::api::portal::{Format, Portal};
use pgwire::api::results::{CopyCsvOptions, CopyEncoder, CopyTextOptions, FieldInfo};
use pgwire::error::PgWireResult;
use pgwire::messages::copy::CopyData;
use pgwire::messages::data::DataRow;

use super::errors;

/// The columns of `schema` as the client asked for them (text or binary).
pub fn fields(schema: &Schema, format: &Format) -> PgWireResult<Vec<FieldInfo>> {
    let fields = arrow_schema_to_pg_fields(schema, format, None)?;
    Ok(fields
        .into_iter()
        .zip(schema.fields())
        .map(|(info, field)| match field.metadata().contains_key(JSON_METADATA_KEY) {
            // JSON's binary form is its text, which is what the text column holds.
            true => FieldInfo::new(info.name().to_string(), None, None, Type::JSON, info.format()),
            false => info,
        })
        .collect())
}

/// How an answer's rows go on the wire.
pub trait Encoding: Send + 'static {
    type Item: Send + 'static;

    fn encode(&mut self, batch: RecordBatch) -> Vec<PgWireResult<Self::Item>>;
}

/// Data rows, as a query answers.
pub struct DataRows(pub Arc<Vec<FieldInfo>>);

impl Encoding for DataRows {
    type Item = DataRow;

    fn encode(&mut self, batch: RecordBatch) -> Vec<PgWireResult<DataRow>> {
        encode_recordbatch(self.0.clone(), batch).collect()
    }
}

/// How `COPY (query) TO STDOUT` writes rows: Postgres's text or CSV format, with
/// Postgres's defaults for what the statement does not say.
#[derive(Clone, Debug)]
pub struct CopyFormat {
    pub csv: bool,
    pub delimiter: char,
    pub null: String,
    pub quote: char,
    pub escape: char,
    pub header: bool,
}

impl CopyFormat {
    /// The header line naming `fields`, when the statement asks for one.
    pub fn header(&self, fields: &[FieldInfo]) -> Option<CopyData> {
        let name = |field: &FieldInfo| {
            let name = field.name();
            let special = |c: char| c == self.delimiter || c == self.quote || c == '\r' || c == '\n';
            match (self.csv, name.contains(special) || name == self.null) {
                (true, true) => {
                    let (quote, escape) = (self.quote.to_string(), format!("{}{}", self.escape, self.quote));
                    format!("{quote}{}{quote}", name.replace(&quote, &escape))
                }
                (true, false) => name.to_string(),
                (false, _) => name
                    .replace('\\', "\\\\")
                    .replace('\n', "\\n")
                    .replace('\r', "\\r")
                    .replace(self.delimiter, &format!("\\{}", self.delimiter)),
            }
        };
        let names: Vec<String> = fields.iter().map(name).collect();
        let line = format!("{}\n", names.join(&self.delimiter.to_string()));
        self.header.then(|| CopyData::new(line.into()))
    }
}

/// COPY data, one message a row.
pub struct CopyRows {
    encoder: CopyEncoder,
    fields: Arc<Vec<FieldInfo>>,
}

impl CopyRows {
    pub fn new(fields: Arc<Vec<FieldInfo>>, format: &CopyFormat) -> CopyRows {
        let encoder = match format.csv {
            true => CopyEncoder::new_csv(
                fields.clone(),
                CopyCsvOptions {
                    delimiter: format.delimiter.to_string().into(),
                    quote: format.quote.to_string().into(),
                    escape: format.escape.to_string().into(),
                    null_string: format.null.as_str().into(),
                    force_quote: Vec::new(),
                },
            ),
            false => CopyEncoder::new_text(
                fields.clone(),
                CopyTextOptions {
                    delimiter: format.delimiter.to_string().into(),
                    null_string: format.null.as_str().into(),
                },
            ),
        };
        CopyRows { encoder, fields }
    }
}

impl Encoding for CopyRows {
    type Item = CopyData;

    fn encode(&mut self, batch: RecordBatch) -> Vec<PgWireResult<CopyData>> {
        let schema = batch.schema();
        let mut rows = Vec::with_capacity(batch.num_rows());
        for row in 0..batch.num_rows() {
            for (column, (array, field)) in batch.columns().iter().zip(schema.fields()).enumerate() {
                if let Err(e) = encode_value(&mut self.encoder, array, row, field, &self.fields[column]) {
                    rows.push(Err(e));
                    return rows;
                }
            }
            rows.push(Ok(self.encoder.take_copy()));
        }
        rows
    }
}

/// The types of `plan`'s parameters, `$1` first, as the client is told them.
pub fn parameter_types(plan: &LogicalPlan) -> PgWireResult<Vec<Type>> {
    let types = parameter_data_types(plan)?;
    types.iter().map(|t| t.as_ref().map_or(Ok(Type::UNKNOWN), into_pg_type)).collect()
}

/// The values bound to `portal`'s parameters, typed as `plan` reads them.
pub fn parameters<S: Clone>(portal: &Portal<S>, plan: &LogicalPlan) -> PgWireResult<ParamValues> {
    let types = parameter_data_types(plan)?;
    deserialize_parameters(portal, &types.iter().map(Option::as_ref).collect::<Vec<_>>())
}

/// The Arrow types of `plan`'s parameters, `$1` first; None where the plan does not say.
fn parameter_data_types(plan: &LogicalPlan) -> PgWireResult<Vec<Option<DataType>>> {
    let mut types = plan.get_parameter_types().map_err(|e| errors::from_datafusion(&e))?;
    // DataFusion leaves `$2::bigint` untyped; the cast says what the client sends.
    if types.values().any(Option::is_none) {
        let _ = plan.apply_with_subqueries(|node| {
            for expr in node.expressions() {
                let _ = expr.apply(|e| {
                    if let Expr::Cast(cast) = e
                        && let Expr::Placeholder(placeholder) = cast.expr.as_ref()
                        && let Some(untyped @ None) = types.get_mut(&placeholder.id)
                    {
                        *untyped = Some(cast.field.data_type().clone());
                    }
                    Ok(TreeNodeRecursion::Continue)
                });
            }
            Ok(TreeNodeRecursion::Continue)
        });
    }
    let mut positional = Vec::new();
    for (name, data_type) in types {
        let position = name
            .strip_prefix('$')
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n > 0)
            .ok_or_else(|| errors::error(errors::SYNTAX_ERROR, format!("parameter {name}: use $1, $2, ...")))?;
        // A parameter the statement skips ($1 and $3 only) still has its place.
        if positional.len() < position {
            positional.resize(position, None);
        }
        positional[position - 1] = data_type;
    }
    Ok(positional)
}
