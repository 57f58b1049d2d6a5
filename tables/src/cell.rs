//! One cell value, as a column getter produces it, from whatever the SDKs return.

use std::borrow::Cow;

/// One cell value, as produced by a column getter.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    Null,
    Text(Cow<'a, str>),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// Milliseconds since the Unix epoch, UTC.
    Timestamp(i64),
    Json(serde_json::Value),
}

/// Text from anything string-like, including the SDKs' enums (`InstanceType`, ...).
pub fn text<S: AsRef<str> + ?Sized>(value: Option<&S>) -> Cell<'_> {
    value.map_or(Cell::Null, |v| Cell::Text(Cow::Borrowed(v.as_ref())))
}

impl<'a> From<Option<&'a str>> for Cell<'a> {
    fn from(v: Option<&'a str>) -> Self {
        text(v)
    }
}
impl<'a> From<&'a str> for Cell<'a> {
    fn from(v: &'a str) -> Self {
        Cell::Text(Cow::Borrowed(v))
    }
}
impl From<String> for Cell<'_> {
    fn from(v: String) -> Self {
        Cell::Text(Cow::Owned(v))
    }
}
impl From<Option<String>> for Cell<'_> {
    fn from(v: Option<String>) -> Self {
        v.map_or(Cell::Null, Cell::from)
    }
}
impl From<Option<i32>> for Cell<'_> {
    fn from(v: Option<i32>) -> Self {
        v.map_or(Cell::Null, |v| Cell::Int(v.into()))
    }
}
impl From<Option<i64>> for Cell<'_> {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Cell::Null, Cell::Int)
    }
}
impl From<Option<bool>> for Cell<'_> {
    fn from(v: Option<bool>) -> Self {
        v.map_or(Cell::Null, Cell::Bool)
    }
}
impl From<bool> for Cell<'_> {
    fn from(v: bool) -> Self {
        Cell::Bool(v)
    }
}
impl From<Option<&aws_smithy_types::DateTime>> for Cell<'_> {
    fn from(v: Option<&aws_smithy_types::DateTime>) -> Self {
        v.and_then(|t| t.to_millis().ok()).map_or(Cell::Null, Cell::Timestamp)
    }
}
impl From<serde_json::Value> for Cell<'_> {
    fn from(v: serde_json::Value) -> Self {
        if v.is_null() { Cell::Null } else { Cell::Json(v) }
    }
}
impl From<Option<serde_json::Value>> for Cell<'_> {
    fn from(v: Option<serde_json::Value>) -> Self {
        v.map_or(Cell::Null, Cell::from)
    }
}
