//! Functions Steampipe queries call that DataFusion lacks: Postgres's `age` and
//! Steampipe's `glob`.

use std::sync::Arc;

use chrono::{DateTime, Datelike, Months, NaiveTime, Utc};
use datafusion::arrow::array::{Array, ArrayRef, AsArray, IntervalMonthDayNanoBuilder, StringBuilder};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, IntervalMonthDayNano, TimeUnit};
use datafusion::common::exec_err;
use datafusion::error::Result;
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility};

pub fn functions() -> Vec<ScalarUDF> {
    vec![ScalarUDF::new_from_impl(Age::new()), ScalarUDF::new_from_impl(Glob::new())]
}

/// `age(later, earlier)` and `age(ts)` (from today's midnight): the difference in years,
/// months and days, as Postgres gives it, so it compares with `interval '90 days'` and
/// `interval '1 year'` alike.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Age {
    signature: Signature,
}

impl Age {
    fn new() -> Self {
        Self { signature: Signature::one_of(
            vec![datafusion::logical_expr::TypeSignature::Any(1), datafusion::logical_expr::TypeSignature::Any(2)],
            Volatility::Stable,
        ) }
    }
}

impl ScalarUDFImpl for Age {
    fn name(&self) -> &str {
        "age"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Interval(datafusion::arrow::datatypes::IntervalUnit::MonthDayNano))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let times = args.args.iter().map(|a| instants(&a.to_array(rows)?)).collect::<Result<Vec<_>>>()?;
        let midnight = Utc::now().with_time(NaiveTime::MIN).single().expect("UTC has one midnight");
        let mut builder = IntervalMonthDayNanoBuilder::new();
        for row in 0..rows {
            let (later, earlier) = match &times[..] {
                [one] => (Some(midnight), one[row]),
                [later, earlier] => (later[row], earlier[row]),
                _ => unreachable!("the signature takes one or two arguments"),
            };
            builder.append_option(later.zip(earlier).map(|(l, e)| between(l, e)));
        }
        Ok(ColumnarValue::Array(Arc::new(builder.finish())))
    }
}

fn instants(array: &ArrayRef) -> Result<Vec<Option<DateTime<Utc>>>> {
    let Ok(nanos) = cast(array, &DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into()))) else {
        return exec_err!("age takes timestamps, not {}", array.data_type());
    };
    let nanos = nanos.as_primitive::<datafusion::arrow::datatypes::TimestampNanosecondType>();
    Ok(nanos.iter().map(|n| n.map(DateTime::from_timestamp_nanos)).collect())
}

/// Whole months first (as far as the day of the month allows), then days, then the rest.
fn between(later: DateTime<Utc>, earlier: DateTime<Utc>) -> IntervalMonthDayNano {
    if later < earlier {
        let IntervalMonthDayNano { months, days, nanoseconds } = between(earlier, later);
        return IntervalMonthDayNano::new(-months, -days, -nanoseconds);
    }
    let mut months = (later.year() - earlier.year()) * 12 + later.month() as i32 - earlier.month() as i32;
    let after = |m: i32| earlier.checked_add_months(Months::new(m as u32)).unwrap_or(earlier);
    while months > 0 && after(months) > later {
        months -= 1;
    }
    let rest = later - after(months);
    let days = rest.num_days();
    let nanos = (rest - chrono::Duration::days(days)).num_nanoseconds().unwrap_or(0);
    IntervalMonthDayNano::new(months, days as i32, nanos)
}

/// Steampipe's `glob('web-*')`: a LIKE pattern from a glob (`*` is `%`, `?` is `_`).
#[derive(Debug, PartialEq, Eq, Hash)]
struct Glob {
    signature: Signature,
}

impl Glob {
    fn new() -> Self {
        Self { signature: Signature::string(1, Volatility::Immutable) }
    }
}

impl ScalarUDFImpl for Glob {
    fn name(&self) -> &str {
        "glob"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let globs = cast(&args.args[0].to_array(args.number_rows)?, &DataType::Utf8)?;
        let mut builder = StringBuilder::new();
        for glob in globs.as_string::<i32>().iter() {
            builder.append_option(glob.map(|g| g.replace('*', "%").replace('?', "_")));
        }
        Ok(ColumnarValue::Array(Arc::new(builder.finish())))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::one;

    #[tokio::test]
    async fn age_is_calendar_months_then_days() {
        let age = |later: &str, earlier: &str| format!("SELECT age(TIMESTAMP '{later}', TIMESTAMP '{earlier}')");
        assert_eq!(one(&age("2026-03-15 12:00:00", "2025-01-10 06:00:00")).await, "14 mons 5 days 6 hours");
        assert_eq!(one(&age("2026-03-01 00:00:00", "2026-01-31 00:00:00")).await, "1 mons 1 days");
        assert_eq!(one(&age("2026-01-01", "2026-01-02")).await, "-1 days");
        assert_eq!(one("SELECT age(TIMESTAMP '2020-01-01') > interval '1 year'").await, "true");
        assert_eq!(one("SELECT age(now() - interval '10 days') < interval '90 days'").await, "true");
    }

    #[tokio::test]
    async fn glob_is_a_like_pattern() {
        assert_eq!(one("SELECT glob('web-*-?')").await, "web-%-_");
        assert_eq!(one("SELECT 'web-prod-1' LIKE glob('web-*')").await, "true");
    }
}
