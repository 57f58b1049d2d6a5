//! Arrow to the wire: columns as Postgres types and batches as data rows or COPY data
//! (arrow-pg), with cove's JSON columns typed `json`, so drivers hand them over parsed
//! (psycopg a dict, tokio-postgres a `serde_json::Value`), and parameters from the wire as
//! DataFusion values.

use std::sync::Arc;

use arrow_pg::datatypes::df::deserialize_parameters;
use arrow_pg::datatypes::{arrow_schema_to_pg_fields, encode_recordbatch, into_pg_type};
use cove_tables::JSON_METADATA_KEY;
use datafusion::arrow::datatypes::{DataType, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::ParamValues;
use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::logical_expr::{Expr, LogicalPlan};
use pgwire::api::Type;
use pgwire::api::portal::{Format, Portal};
use pgwire::api::results::FieldInfo;
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

/// How `COPY ... TO STDOUT` writes rows: Postgres's text or CSV format, with Postgres's
/// defaults for what the statement does not say. Single-byte characters, as Postgres
/// requires of them.
#[derive(Clone, Debug)]
pub struct CopyFormat {
    pub csv: bool,
    pub delimiter: u8,
    pub null: String,
    pub quote: u8,
    pub escape: u8,
    pub header: bool,
}

impl CopyFormat {
    /// The header line naming `fields`, when the statement asks for one.
    pub fn header(&self, fields: &[FieldInfo]) -> Option<CopyData> {
        let names = fields.iter().map(|field| Some(field.name().as_bytes()));
        self.header.then(|| CopyData::new(self.line(names).into()))
    }

    /// One row as COPY writes it: values escaped (text) or quoted (CSV) so that COPY FROM,
    /// psql and spreadsheets read back exactly the values, NULL apart from ''.
    fn line<'a>(&self, values: impl Iterator<Item = Option<&'a [u8]>>) -> Vec<u8> {
        let mut line = Vec::new();
        for (i, value) in values.enumerate() {
            if i > 0 {
                line.push(self.delimiter);
            }
            match value {
                None => line.extend_from_slice(self.null.as_bytes()),
                Some(value) if self.csv => self.csv_value(value, &mut line),
                Some(value) => self.text_value(value, &mut line),
            }
        }
        line.push(b'\n');
        line
    }

    fn csv_value(&self, value: &[u8], line: &mut Vec<u8>) {
        let special = |b: &u8| [self.delimiter, self.quote, b'\n', b'\r'].contains(b);
        if value != self.null.as_bytes() && value != b"\\." && !value.iter().any(special) {
            line.extend_from_slice(value);
            return;
        }
        line.push(self.quote);
        for &b in value {
            if b == self.quote || b == self.escape {
                line.push(self.escape);
            }
            line.push(b);
        }
        line.push(self.quote);
    }

    fn text_value(&self, value: &[u8], line: &mut Vec<u8>) {
        for &b in value {
            let escaped = match b {
                b'\\' => Some(b'\\'),
                b'\n' => Some(b'n'),
                b'\r' => Some(b'r'),
                b'\t' => Some(b't'),
                0x08 => Some(b'b'),
                0x0b => Some(b'v'),
                0x0c => Some(b'f'),
                _ if b == self.delimiter => Some(b),
                _ => None,
            };
            match escaped {
                Some(escaped) => line.extend_from_slice(&[b'\\', escaped]),
                None => line.push(b),
            }
        }
    }
}

/// COPY data, one message a row: each value in the text form a query's text columns carry,
/// written as Postgres's COPY writes it.
pub struct CopyRows {
    values: DataRows,
    format: CopyFormat,
}

impl CopyRows {
    /// `fields` in the text format.
    pub fn new(fields: Arc<Vec<FieldInfo>>, format: CopyFormat) -> CopyRows {
        CopyRows { values: DataRows(fields), format }
    }
}

impl Encoding for CopyRows {
    type Item = CopyData;

    fn encode(&mut self, batch: RecordBatch) -> Vec<PgWireResult<CopyData>> {
        let rows = self.values.encode(batch).into_iter();
        rows.map(|row| row.map(|row| CopyData::new(self.format.line(values(&row.data)).into()))).collect()
    }
}

/// The values of a data row: each a length (-1 for NULL), then its bytes.
fn values(mut data: &[u8]) -> impl Iterator<Item = Option<&[u8]>> {
    std::iter::from_fn(move || {
        let (length, rest) = data.split_first_chunk::<4>()?;
        let length = i32::from_be_bytes(*length);
        let Ok(length) = usize::try_from(length) else {
            data = rest;
            return Some(None);
        };
        let (value, rest) = rest.split_at(length.min(rest.len()));
        data = rest;
        Some(Some(value))
    })
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

/// As in Postgres: the wire protocol counts parameters in 16 bits.
const MAX_PARAMETERS: usize = 65535;

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
            .filter(|n| (1..=MAX_PARAMETERS).contains(n))
            .ok_or_else(|| {
                let message = format!("parameter {name}: use $1 to ${MAX_PARAMETERS}");
                errors::error(errors::UNDEFINED_PARAMETER, message)
            })?;
        // A parameter the statement skips ($1 and $3 only) still has its place.
        if positional.len() < position {
            positional.resize(position, None);
        }
        positional[position - 1] = data_type;
    }
    Ok(positional)
}
