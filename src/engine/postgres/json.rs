//! Postgres's JSON functions and operators over cove's JSON (text holding a document):
//! `jsonb_array_length`, `jsonb_typeof`, `jsonb_pretty`, `jsonb_build_object`, `to_jsonb`,
//! `jsonb_path_query` (the common path subset), `@>` / `<@`, `?|` / `?&`, `#>` / `#>>` with a
//! `'{a,0,b}'` path; and the list-valued halves of the set-returning functions
//! (`jsonb_array_elements`, `jsonb_each`, ...), which [`super::syntax`] wraps in UNNEST.

use std::sync::Arc;

use cove_tables::JSON_METADATA_KEY;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanBuilder, Int64Builder, ListBuilder, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{exec_err, plan_err};
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::scalar::ScalarValue;
use serde_json::{Map, Value};

/// What one JSON function computes.
#[derive(Debug, PartialEq, Eq, Hash, Clone, Copy)]
pub enum Kind {
    /// The elements of an array, as JSON.
    ArrayElements,
    /// The elements of an array, strings unquoted.
    ArrayElementsText,
    /// The keys of an object, in document order.
    ObjectKeys,
    /// The values of an object, as JSON.
    EachValues,
    /// The values of an object, strings unquoted.
    EachTextValues,
    /// The items a JSON path selects, as JSON.
    PathQuery,
    /// 1 to the number of an array's elements or an object's keys: WITH ORDINALITY.
    Ordinals,
    ArrayLength,
    TypeOf,
    Pretty,
    BuildObject,
    BuildArray,
    ToJson,
    /// Postgres's `@>`: the left document contains the right.
    Contains,
    /// `?`: the key exists (or the string is an element of the array).
    KeyExists,
    /// `?|`: any of the keys exists.
    AnyKeyExists,
    /// `?&`: every key exists.
    AllKeysExist,
    PathExists,
}

/// The JSON functions, by the names queries call them.
pub fn functions() -> Vec<ScalarUDF> {
    use Kind::*;
    let named: [(&'static str, Kind); 30] = [
        ("cove_json_array_elements", ArrayElements),
        ("cove_json_array_elements_text", ArrayElementsText),
        ("cove_json_object_keys", ObjectKeys),
        ("cove_json_each_values", EachValues),
        ("cove_json_each_text_values", EachTextValues),
        ("cove_json_path_query", PathQuery),
        ("cove_json_ordinals", Ordinals),
        ("jsonb_path_query_array", PathQuery),
        ("jsonb_path_exists", PathExists),
        ("jsonb_array_length", ArrayLength),
        ("json_array_length", ArrayLength),
        ("jsonb_typeof", TypeOf),
        ("json_typeof", TypeOf),
        ("jsonb_pretty", Pretty),
        ("jsonb_build_object", BuildObject),
        ("json_build_object", BuildObject),
        ("jsonb_build_array", BuildArray),
        ("json_build_array", BuildArray),
        ("to_jsonb", ToJson),
        ("to_json", ToJson),
        ("jsonb_contains", Contains),
        ("cove_json_contains_document", Contains),
        ("cove_json_exists", KeyExists),
        ("jsonb_exists", KeyExists),
        ("cove_json_exists_any", AnyKeyExists),
        ("cove_json_exists_all", AllKeysExist),
        ("jsonb_exists_any", AnyKeyExists),
        ("jsonb_exists_all", AllKeysExist),
        ("json_strip_nulls", ToJson),
        ("jsonb_strip_nulls", ToJson),
    ];
    named.into_iter().map(|(name, kind)| function(name, kind)).collect()
}

pub(super) fn function(name: &'static str, kind: Kind) -> ScalarUDF {
    let strip_nulls = name.ends_with("strip_nulls");
    ScalarUDF::new_from_impl(JsonFunction { name, kind, strip_nulls, signature: signature(kind) })
}

fn signature(kind: Kind) -> Signature {
    use Kind::*;
    match kind {
        BuildObject | BuildArray => Signature::variadic_any(Volatility::Immutable),
        PathQuery | PathExists | Contains | KeyExists | AnyKeyExists | AllKeysExist => {
            Signature::any(2, Volatility::Immutable)
        }
        _ => Signature::any(1, Volatility::Immutable),
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct JsonFunction {
    name: &'static str,
    kind: Kind,
    strip_nulls: bool,
    signature: Signature,
}

fn json_field(data_type: DataType) -> Field {
    Field::new("", data_type, true).with_metadata([(JSON_METADATA_KEY.to_string(), "true".to_string())].into())
}

fn json_list_field() -> Field {
    let item = json_field(DataType::Utf8).with_name("item");
    Field::new("", DataType::List(Arc::new(item)), true)
}

impl ScalarUDFImpl for JsonFunction {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(self.output().data_type().clone())
    }

    fn return_field_from_args(&self, _args: ReturnFieldArgs) -> Result<FieldRef> {
        Ok(Arc::new(self.output()))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let arrays = args.args.iter().map(|a| a.to_array(rows)).collect::<Result<Vec<_>>>()?;
        let fields = &args.arg_fields;
        use Kind::*;
        let out: ArrayRef = match self.kind {
            PathQuery if self.name == "jsonb_path_query_array" => {
                let documents = documents(&arrays[0])?;
                let paths = texts(&arrays[1])?;
                let mut builder = StringBuilder::new();
                for (document, path) in documents.iter().zip(&paths) {
                    match (document, path) {
                        (Some(d), Some(p)) => builder.append_value(Value::Array(select(d, p)?).to_string()),
                        _ => builder.append_null(),
                    }
                }
                Arc::new(builder.finish())
            }
            ArrayElements | ArrayElementsText | ObjectKeys | EachValues | EachTextValues | PathQuery => {
                let documents = documents(&arrays[0])?;
                let paths = arrays.get(1).map(texts).transpose()?;
                let item = match self.kind {
                    ArrayElements | EachValues | PathQuery => json_field(DataType::Utf8).with_name("item"),
                    _ => Field::new_list_field(DataType::Utf8, true),
                };
                let mut builder = ListBuilder::new(StringBuilder::new()).with_field(Arc::new(item));
                for (row, document) in documents.iter().enumerate() {
                    let Some(document) = document else {
                        builder.append_null();
                        continue;
                    };
                    let path = paths.as_ref().map(|p| p[row].as_deref());
                    for item in self.set(document, path)? {
                        builder.values().append_value(item);
                    }
                    builder.append(true);
                }
                Arc::new(builder.finish())
            }
            Ordinals => {
                let mut builder = ListBuilder::new(Int64Builder::new());
                for document in documents(&arrays[0])? {
                    let count = match &document {
                        Some(Value::Array(a)) => a.len(),
                        Some(Value::Object(o)) => o.len(),
                        _ => 0,
                    };
                    builder.values().append_values(&(1..=count as i64).collect::<Vec<_>>(), &vec![true; count]);
                    builder.append(document.is_some());
                }
                Arc::new(builder.finish())
            }
            ArrayLength => {
                let mut builder = Int64Builder::new();
                for document in documents(&arrays[0])? {
                    match document {
                        None => builder.append_null(),
                        Some(Value::Array(items)) => builder.append_value(items.len() as i64),
                        Some(_) => return exec_err!("cannot get array length of a non-array"),
                    }
                }
                Arc::new(builder.finish())
            }
            TypeOf | Pretty => {
                let mut builder = StringBuilder::new();
                for document in documents(&arrays[0])? {
                    match document {
                        None => builder.append_null(),
                        Some(d) if self.kind == TypeOf => builder.append_value(type_name(&d)),
                        Some(d) => builder.append_value(pretty(&d)),
                    }
                }
                Arc::new(builder.finish())
            }
            BuildObject | BuildArray | ToJson => {
                let columns = arrays.iter().zip(fields).map(|(a, f)| values(a, f)).collect::<Result<Vec<_>>>()?;
                if self.kind == BuildObject && columns.len() % 2 != 0 {
                    return plan_err!("{} takes key, value pairs: an even number of arguments", self.name);
                }
                let mut builder = StringBuilder::new();
                for row in 0..rows {
                    let value = match self.kind {
                        BuildObject => {
                            let mut object = Map::new();
                            for pair in columns.chunks(2) {
                                let key = match &pair[0][row] {
                                    Some(Value::String(s)) => s.clone(),
                                    Some(other) => other.to_string(),
                                    None => return exec_err!("{}: a key cannot be null", self.name),
                                };
                                object.insert(key, pair[1][row].clone().unwrap_or(Value::Null));
                            }
                            Value::Object(object)
                        }
                        BuildArray => {
                            Value::Array(columns.iter().map(|c| c[row].clone().unwrap_or(Value::Null)).collect())
                        }
                        _ => match &columns[0][row] {
                            None => {
                                builder.append_null();
                                continue;
                            }
                            Some(v) if self.strip_nulls => strip_nulls(v.clone()),
                            Some(v) => v.clone(),
                        },
                    };
                    builder.append_value(value.to_string());
                }
                Arc::new(builder.finish())
            }
            Contains | KeyExists | AnyKeyExists | AllKeysExist | PathExists => {
                let left = documents(&arrays[0])?;
                let mut builder = BooleanBuilder::new();
                match self.kind {
                    Contains => {
                        for (l, r) in left.iter().zip(documents(&arrays[1])?) {
                            builder.append_option(l.as_ref().zip(r).map(|(l, r)| contains(l, &r)));
                        }
                    }
                    KeyExists => {
                        for (l, k) in left.iter().zip(texts(&arrays[1])?) {
                            builder.append_option(l.as_ref().zip(k).map(|(l, k)| has_key(l, &k)));
                        }
                    }
                    PathExists => {
                        for (l, p) in left.iter().zip(texts(&arrays[1])?) {
                            match l.as_ref().zip(p) {
                                Some((l, p)) => builder.append_value(!select(l, &p)?.is_empty()),
                                None => builder.append_null(),
                            }
                        }
                    }
                    _ => {
                        let keys = values(&arrays[1], &fields[1])?;
                        for (l, k) in left.iter().zip(keys) {
                            let (Some(l), Some(Value::Array(k))) = (l, k) else {
                                builder.append_null();
                                continue;
                            };
                            let has = |key: &Value| key.as_str().is_some_and(|key| has_key(l, key));
                            let found = if self.kind == AnyKeyExists { k.iter().any(has) } else { k.iter().all(has) };
                            builder.append_value(found);
                        }
                    }
                }
                Arc::new(builder.finish())
            }
        };
        Ok(ColumnarValue::Array(out))
    }
}

impl JsonFunction {
    /// The result, whatever the arguments: JSON marked as cove's JSON columns are.
    fn output(&self) -> Field {
        use Kind::*;
        match self.kind {
            ArrayElements | EachValues => json_list_field(),
            ArrayElementsText | ObjectKeys | EachTextValues => {
                Field::new("", DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true))), true)
            }
            Ordinals => Field::new("", DataType::List(Arc::new(Field::new_list_field(DataType::Int64, true))), true),
            PathQuery if self.name == "jsonb_path_query_array" => json_field(DataType::Utf8),
            PathQuery => json_list_field(),
            ArrayLength => Field::new("", DataType::Int64, true),
            TypeOf | Pretty => Field::new("", DataType::Utf8, true),
            BuildObject | BuildArray | ToJson => json_field(DataType::Utf8),
            Contains | KeyExists | AnyKeyExists | AllKeysExist | PathExists => Field::new("", DataType::Boolean, true),
        }
    }

    /// The items a set-returning function gives for one document.
    fn set(&self, document: &Value, path: Option<Option<&str>>) -> Result<Vec<String>> {
        use Kind::*;
        let text = |v: &Value| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        Ok(match (self.kind, document) {
            (ArrayElements, Value::Array(items)) => items.iter().map(Value::to_string).collect(),
            (ArrayElementsText, Value::Array(items)) => items.iter().map(text).collect(),
            (ArrayElements | ArrayElementsText, Value::Object(_)) => {
                return exec_err!("cannot extract elements from an object");
            }
            (ArrayElements | ArrayElementsText, _) => return exec_err!("cannot extract elements from a scalar"),
            (ObjectKeys, Value::Object(o)) => o.keys().cloned().collect(),
            (EachValues, Value::Object(o)) => o.values().map(Value::to_string).collect(),
            (EachTextValues, Value::Object(o)) => o.values().map(text).collect(),
            (ObjectKeys | EachValues | EachTextValues, _) => {
                return exec_err!("cannot call {} on a non-object", self.name.trim_start_matches("cove_"));
            }
            (PathQuery, _) => match path {
                Some(Some(path)) => select(document, path)?.iter().map(Value::to_string).collect(),
                _ => Vec::new(),
            },
            _ => unreachable!("not a set-returning function"),
        })
    }
}

/// Each row of a document argument, parsed: text is JSON text (a JSON column, a literal,
/// a `::jsonb` cast), and `->` answers (functions-json's union) are already values.
fn documents(array: &ArrayRef) -> Result<Vec<Option<Value>>> {
    if let Some(texts) = string_rows(array) {
        return texts
            .into_iter()
            .map(|t| {
                t.map(|t| serde_json::from_str(t).or_else(|e| exec_err!("invalid input syntax for type json: {e}")))
                    .transpose()
            })
            .collect();
    }
    values(array, &Field::new("", array.data_type().clone(), true))
}

/// Each row of an argument as a JSON value, as `to_jsonb` reads it: text is a JSON string
/// unless it is JSON (a JSON column or cast).
fn values(array: &ArrayRef, field: &Field) -> Result<Vec<Option<Value>>> {
    if field.metadata().contains_key(JSON_METADATA_KEY) {
        return documents(array);
    }
    if let DataType::Union(..) = array.data_type()
        && let Some(union) = datafusion_functions_json::JsonUnionEncoder::from_union(array.as_union().clone())
    {
        use datafusion_functions_json::JsonUnionValue as U;
        return (0..union.len())
            .map(|i| {
                Ok(match union.get_value(i) {
                    U::JsonNull => None,
                    U::Bool(b) => Some(Value::Bool(b)),
                    U::Int(n) => Some(Value::from(n)),
                    U::Float(f) => Some(Value::from(f)),
                    U::Str(s) => Some(Value::String(s.to_string())),
                    U::Array(t) | U::Object(t) => Some(serde_json::from_str(t).or_else(|e| exec_err!("{e}"))?),
                })
            })
            .collect();
    }
    (0..array.len())
        .map(|i| {
            let scalar = ScalarValue::try_from_array(array, i)?;
            (!scalar.is_null()).then(|| scalar_json(&scalar)).transpose()
        })
        .collect()
}

/// One Arrow value as JSON: lists as arrays, structs as objects, numbers and booleans as
/// themselves, anything else as its text.
fn scalar_json(value: &ScalarValue) -> Result<Value> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    Ok(match value {
        ScalarValue::Boolean(Some(b)) => Value::Bool(*b),
        v if v.data_type().is_numeric() => {
            serde_json::from_str(&v.to_string()).unwrap_or_else(|_| Value::String(v.to_string()))
        }
        ScalarValue::List(list) => items_json(&list.value(0))?,
        ScalarValue::LargeList(list) => items_json(&list.value(0))?,
        ScalarValue::FixedSizeList(list) => items_json(&list.value(0))?,
        ScalarValue::Struct(s) => {
            let mut object = Map::new();
            for (field, column) in s.fields().iter().zip(s.columns()) {
                object.insert(field.name().clone(), scalar_json(&ScalarValue::try_from_array(column, 0)?)?);
            }
            Value::Object(object)
        }
        v => match v.try_as_str() {
            Some(Some(s)) => Value::String(s.to_string()),
            _ => Value::String(v.to_string()),
        },
    })
}

fn items_json(items: &ArrayRef) -> Result<Value> {
    (0..items.len())
        .map(|i| scalar_json(&ScalarValue::try_from_array(items, i)?))
        .collect::<Result<_>>()
        .map(Value::Array)
}

/// The rows of a text argument.
fn texts(array: &ArrayRef) -> Result<Vec<Option<String>>> {
    match string_rows(array) {
        Some(t) => Ok(t.into_iter().map(|t| t.map(str::to_string)).collect()),
        None if array.data_type() == &DataType::Null => Ok(vec![None; array.len()]),
        None => exec_err!("expected text, got {}", array.data_type()),
    }
}

fn string_rows(array: &ArrayRef) -> Option<Vec<Option<&str>>> {
    Some(match array.data_type() {
        DataType::Utf8 => array.as_string::<i32>().iter().collect(),
        DataType::LargeUtf8 => array.as_string::<i64>().iter().collect(),
        DataType::Utf8View => array.as_string_view().iter().collect(),
        _ => return None,
    })
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Indented by four spaces, as Postgres's `jsonb_pretty` prints.
fn pretty(value: &Value) -> String {
    use serde::Serialize;
    let mut out = Vec::new();
    let mut serializer =
        serde_json::Serializer::with_formatter(&mut out, serde_json::ser::PrettyFormatter::with_indent(b"    "));
    value.serialize(&mut serializer).expect("a JSON value serializes");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

fn strip_nulls(value: Value) -> Value {
    match value {
        Value::Object(o) => {
            Value::Object(o.into_iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k, strip_nulls(v))).collect())
        }
        Value::Array(a) => Value::Array(a.into_iter().map(strip_nulls).collect()),
        v => v,
    }
}

/// Postgres's jsonb containment: every key of an object with a contained value, every
/// element of an array in some element, scalars equal; an array contains a scalar it holds.
fn contains(outer: &Value, inner: &Value) -> bool {
    match (outer, inner) {
        (Value::Object(o), Value::Object(i)) => i.iter().all(|(k, v)| o.get(k).is_some_and(|ov| contains(ov, v))),
        (Value::Array(o), Value::Array(i)) => i.iter().all(|v| o.iter().any(|ov| contains(ov, v))),
        (Value::Array(o), scalar) if !scalar.is_object() => o.iter().any(|ov| same_scalar(ov, scalar)),
        (o, i) => same_scalar(o, i),
    }
}

fn same_scalar(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (a, b) => a == b,
    }
}

/// `?` as Postgres reads it: a key of an object, or a string element of an array.
fn has_key(document: &Value, key: &str) -> bool {
    match document {
        Value::Object(o) => o.contains_key(key),
        Value::Array(a) => a.iter().any(|v| v.as_str() == Some(key)),
        Value::String(s) => s == key,
        _ => false,
    }
}

/// The items a SQL/JSON path selects, in lax mode (a member step on an array applies to
/// its elements). The subset: `$`, `.key`, `."key"`, `.*`, `[*]`, `[n]`, `[last]`.
fn select(document: &Value, path: &str) -> Result<Vec<Value>> {
    let trimmed = path.trim();
    let (strict, rest) = match trimmed.split_once(char::is_whitespace) {
        Some(("strict", rest)) => (true, rest.trim_start()),
        Some(("lax", rest)) => (false, rest.trim_start()),
        _ => (false, trimmed),
    };
    let Some(mut rest) = rest.strip_prefix('$') else {
        return exec_err!("JSON path {path:?} must start with $");
    };
    let mut items = vec![document.clone()];
    while !rest.is_empty() {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix('.') {
            let (key, after) = if let Some(quoted) = after.strip_prefix('"') {
                let Some(end) = quoted.find('"') else { return exec_err!("unterminated key in JSON path {path:?}") };
                (Some(&quoted[..end]), &quoted[end + 1..])
            } else if let Some(after) = after.strip_prefix('*') {
                (None, after)
            } else {
                let end = after.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$')).unwrap_or(after.len());
                if end == 0 {
                    return exec_err!("JSON path {path:?}: expected a key after '.'");
                }
                (Some(&after[..end]), &after[end..])
            };
            let unwrapped = if strict { items } else { unwrap_arrays(items) };
            items = unwrapped
                .into_iter()
                .flat_map(|item| match (item, key) {
                    (Value::Object(o), Some(k)) => o.get(k).cloned().into_iter().collect::<Vec<_>>(),
                    (Value::Object(o), None) => o.into_iter().map(|(_, v)| v).collect(),
                    _ => Vec::new(),
                })
                .collect();
            rest = after;
        } else if let Some(after) = rest.strip_prefix('[') {
            let Some(end) = after.find(']') else { return exec_err!("unterminated [ in JSON path {path:?}") };
            let index = after[..end].trim();
            items = items
                .into_iter()
                .flat_map(|item| {
                    let elements = match item {
                        Value::Array(a) => a,
                        other if !strict => vec![other],
                        _ => Vec::new(),
                    };
                    let pick = match index {
                        "*" => return elements,
                        "last" => elements.len().checked_sub(1),
                        n => n.parse::<usize>().ok(),
                    };
                    pick.and_then(|i| elements.get(i).cloned()).into_iter().collect()
                })
                .collect();
            if index != "*" && index != "last" && index.parse::<usize>().is_err() {
                return exec_err!("JSON path {path:?}: unsupported subscript [{index}]");
            }
            rest = &after[end + 1..];
        } else {
            return exec_err!("JSON path {path:?}: only $, .key, .*, [n], [*] and [last] steps are supported");
        }
    }
    Ok(items)
}

fn unwrap_arrays(items: Vec<Value>) -> Vec<Value> {
    items
        .into_iter()
        .flat_map(|item| match item {
            Value::Array(a) => a,
            other => vec![other],
        })
        .collect()
}
