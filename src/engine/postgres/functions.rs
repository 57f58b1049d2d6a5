//! Functions Steampipe queries call that DataFusion lacks: Postgres's `age`, `date` and
//! `interval * number`, and Steampipe's `glob`.

use std::sync::Arc;

use chrono::{DateTime, Datelike, Months, NaiveTime, Utc};
use datafusion::arrow::array::{Array, ArrayRef, AsArray, IntervalMonthDayNanoBuilder, StringBuilder};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{
    DataType, Float64Type, IntervalMonthDayNano, IntervalMonthDayNanoType, IntervalUnit, TimeUnit,
    TimestampNanosecondType,
};
use datafusion::common::{DFSchema, ExprSchema, exec_err};
use datafusion::error::Result;
use datafusion::logical_expr::expr::ScalarFunction;
use datafusion::logical_expr::planner::{ExprPlanner, PlannerResult, RawBinaryExpr};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ExprSchemable, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};
use datafusion::sql::sqlparser::ast::BinaryOperator;

pub fn functions() -> Vec<ScalarUDF> {
    vec![
        ScalarUDF::new_from_impl(Age::new()),
        ScalarUDF::new_from_impl(Date { signature: Signature::any(1, Volatility::Immutable) }),
        ScalarUDF::new_from_impl(Glob::new()),
        interval_times(),
    ]
}

/// `date(ts)`: the day of a timestamp (or of text naming one), as `ts::date`.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Date {
    signature: Signature,
}

impl ScalarUDFImpl for Date {
    fn name(&self) -> &str {
        "date"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Date32)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        args.args[0].cast_to(&DataType::Date32, None)
    }
}

fn interval_times() -> ScalarUDF {
    ScalarUDF::new_from_impl(IntervalTimes { signature: Signature::any(2, Volatility::Immutable) })
}

/// `interval '1 day' * 90` (or `90 * interval ...`), which DataFusion refuses: each part
/// multiplied, a fraction of a month carried into days (30 to a month) and of a day into
/// time, as Postgres does.
#[derive(Debug, PartialEq, Eq, Hash)]
struct IntervalTimes {
    signature: Signature,
}

impl ScalarUDFImpl for IntervalTimes {
    fn name(&self) -> &str {
        "cove_interval_times"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Interval(IntervalUnit::MonthDayNano))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let interval = cast(&args.args[0].to_array(rows)?, &DataType::Interval(IntervalUnit::MonthDayNano))?;
        let factor = cast(&args.args[1].to_array(rows)?, &DataType::Float64)?;
        let factor = factor.as_primitive::<Float64Type>();
        let mut builder = IntervalMonthDayNanoBuilder::new();
        for (interval, factor) in interval.as_primitive::<IntervalMonthDayNanoType>().iter().zip(factor.iter()) {
            builder.append_option(interval.zip(factor).map(|(i, f)| {
                let months = f64::from(i.months) * f;
                let days = f64::from(i.days) * f + months.fract() * 30.0;
                let nanos = i.nanoseconds as f64 * f + days.fract() * 86_400e9;
                IntervalMonthDayNano::new(months.trunc() as i32, days.trunc() as i32, nanos.round() as i64)
            }));
        }
        Ok(ColumnarValue::Array(Arc::new(builder.finish())))
    }
}

/// Plans `interval * number` and `number * interval` as [`IntervalTimes`].
#[derive(Debug)]
pub struct IntervalArithmetic;

impl ExprPlanner for IntervalArithmetic {
    fn plan_binary_op(&self, expr: RawBinaryExpr, schema: &DFSchema) -> Result<PlannerResult<RawBinaryExpr>> {
        if expr.op != BinaryOperator::Multiply {
            return Ok(PlannerResult::Original(expr));
        }
        let kind = |e: &Expr| e.get_type(schema as &dyn ExprSchema).ok();
        let (interval, factor) = match (kind(&expr.left), kind(&expr.right)) {
            (Some(DataType::Interval(_)), Some(t)) if t.is_numeric() => (expr.left, expr.right),
            (Some(t), Some(DataType::Interval(_))) if t.is_numeric() => (expr.right, expr.left),
            _ => return Ok(PlannerResult::Original(expr)),
        };
        let call = ScalarFunction::new_udf(Arc::new(interval_times()), vec![interval, factor]);
        Ok(PlannerResult::Planned(Expr::ScalarFunction(call)))
    }
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
        Self { signature: Signature::one_of(vec![TypeSignature::Any(1), TypeSignature::Any(2)], Volatility::Stable) }
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
        Ok(DataType::Interval(IntervalUnit::MonthDayNano))
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
    let nanos = nanos.as_primitive::<TimestampNanosecondType>();
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
