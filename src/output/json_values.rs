//! JSON values as text. The JSON operators (`->`, `json_get`) answer with a union type
//! (null, bool, int, float, str, array, object) that no output format takes: cove shows
//! those columns as JSON text, as Postgres shows `jsonb`.

use std::sync::Arc;

use cove_tables::JSON_METADATA_KEY;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringBuilder, UnionArray};
use datafusion::arrow::datatypes::{DataType, Field, Float64Type, Int64Type, Schema, SchemaRef};
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::record_batch::RecordBatch;

/// `schema` with union columns as JSON text columns.
pub fn schema(schema: &SchemaRef) -> SchemaRef {
    if !schema.fields().iter().any(|f| is_union(f.data_type())) {
        return schema.clone();
    }
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| match is_union(f.data_type()) {
            true => Field::new(f.name(), DataType::Utf8, true)
                .with_metadata([(JSON_METADATA_KEY.to_string(), "true".to_string())].into()),
            false => f.as_ref().clone(),
        })
        .collect();
    Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
}

/// `batch` with union columns as JSON text, under `schema` (from [`schema`]).
pub fn batch(batch: RecordBatch, schema: &SchemaRef) -> Result<RecordBatch, ArrowError> {
    if !batch.columns().iter().any(|c| is_union(c.data_type())) {
        return Ok(batch);
    }
    let columns = batch
        .columns()
        .iter()
        .map(|c| match c.as_union_opt() {
            Some(union) => as_text(union),
            None => Ok(c.clone()),
        })
        .collect::<Result<Vec<_>, _>>()?;
    RecordBatch::try_new(schema.clone(), columns)
}

fn is_union(data_type: &DataType) -> bool {
    matches!(data_type, DataType::Union(..))
}

pub fn as_text(union: &UnionArray) -> Result<ArrayRef, ArrowError> {
    let DataType::Union(fields, _) = union.data_type() else { unreachable!("a union array") };
    let mut out = StringBuilder::new();
    for row in 0..union.len() {
        let type_id = union.type_id(row);
        let child = union.child(type_id);
        let offset = union.value_offset(row);
        if child.is_null(offset) || child.data_type() == &DataType::Null {
            out.append_null();
            continue;
        }
        let name = fields.iter().find(|(id, _)| *id == type_id).map_or("", |(_, f)| f.name().as_str());
        let text = match child.data_type() {
            DataType::Boolean => child.as_boolean().value(offset).to_string(),
            DataType::Int64 => child.as_primitive::<Int64Type>().value(offset).to_string(),
            DataType::Float64 => child.as_primitive::<Float64Type>().value(offset).to_string(),
            // A JSON string is quoted; arrays and objects are already JSON text.
            DataType::Utf8 if name == "str" => {
                serde_json::Value::from(child.as_string::<i32>().value(offset)).to_string()
            }
            DataType::Utf8 => child.as_string::<i32>().value(offset).to_string(),
            other => return Err(ArrowError::CastError(format!("a JSON value of type {other}"))),
        };
        out.append_value(text);
    }
    Ok(Arc::new(out.finish()))
}
