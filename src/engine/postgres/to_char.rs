//! `to_char` with Postgres's patterns (`YYYY-MM-DD HH24:MI`).

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature};
use datafusion::scalar::ScalarValue;

/// `to_char` that reads Postgres's patterns (`YYYY-MM-DD HH24:MI:SS`), which DataFusion's
/// own (chrono's `%Y-%m-%d`) would print as they are. A format with a `%` is chrono's and
/// passes unchanged.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct PostgresToChar {
    pub inner: Arc<ScalarUDF>,
}

impl ScalarUDFImpl for PostgresToChar {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn signature(&self) -> &Signature {
        self.inner.signature()
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        self.inner.return_type(arg_types)
    }

    fn invoke_with_args(&self, mut args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        if let Some(ColumnarValue::Scalar(format)) = args.args.get_mut(1) {
            let translated = match &*format {
                ScalarValue::Utf8(Some(f)) => Some(ScalarValue::Utf8(Some(chrono_format(f)))),
                ScalarValue::Utf8View(Some(f)) => Some(ScalarValue::Utf8View(Some(chrono_format(f)))),
                ScalarValue::LargeUtf8(Some(f)) => Some(ScalarValue::LargeUtf8(Some(chrono_format(f)))),
                _ => None,
            };
            if let Some(translated) = translated {
                *format = translated;
            }
        }
        self.inner.invoke_with_args(args)
    }
}

/// Postgres's `to_char` patterns, longest first, and chrono's equivalents.
const PATTERNS: [(&str, &str); 22] = [
    ("HH24", "%H"),
    ("HH12", "%I"),
    ("YYYY", "%Y"),
    ("MONTH", "%B"),
    ("Month", "%B"),
    ("month", "%B"),
    ("DAY", "%A"),
    ("Day", "%A"),
    ("MON", "%b"),
    ("Mon", "%b"),
    ("HH", "%I"),
    ("YY", "%y"),
    ("MM", "%m"),
    ("DD", "%d"),
    ("DY", "%a"),
    ("Dy", "%a"),
    ("MI", "%M"),
    ("SS", "%S"),
    ("MS", "%3f"),
    ("US", "%6f"),
    ("AM", "%p"),
    ("PM", "%p"),
];

/// A Postgres `to_char` format as chrono's: patterns replaced, `"quoted"` text and other
/// characters kept literally.
fn chrono_format(postgres: &str) -> String {
    if postgres.contains('%') {
        return postgres.to_string();
    }
    let mut out = String::with_capacity(postgres.len() * 2);
    let mut rest = postgres;
    while let Some(c) = rest.chars().next() {
        if c == '"' {
            let quoted = &rest[1..];
            let end = quoted.find('"').unwrap_or(quoted.len());
            out.push_str(&quoted[..end]);
            rest = quoted.get(end + 1..).unwrap_or("");
        } else if let Some((pattern, chrono)) = PATTERNS.iter().find(|(p, _)| rest.starts_with(p)) {
            out.push_str(chrono);
            rest = &rest[pattern.len()..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}
