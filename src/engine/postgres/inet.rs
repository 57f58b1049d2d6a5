//! Postgres's `inet` / `cidr` functions and operators over addresses held as text
//! (`'10.0.0.0/16'`, `'10.0.0.5'`, IPv6 alike): `host`, `masklen`, `family`, `network`,
//! `broadcast`, `netmask`, and `<<` (is contained by), `<<=`, `>>` (contains), `>>=`, `&&`
//! (overlap) where an operand is text.

use std::net::IpAddr;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, AsArray, BooleanBuilder, Int32Builder, StringBuilder};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DFSchema, ExprSchema, exec_err};
use datafusion::error::Result;
use datafusion::logical_expr::expr::ScalarFunction;
use datafusion::logical_expr::planner::{ExprPlanner, PlannerResult, RawBinaryExpr};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ExprSchemable, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::sql::sqlparser::ast::BinaryOperator;
use ipnet::IpNet;

#[derive(Debug, PartialEq, Eq, Hash, Clone, Copy)]
enum Kind {
    Host,
    Masklen,
    Family,
    Network,
    Broadcast,
    Netmask,
    /// `a << b`: `a` is inside `b` and smaller.
    ContainedBy,
    /// `a <<= b`
    ContainedByOrEquals,
    /// `a && b`: either contains the other.
    Overlaps,
}

/// The functions, by name.
pub fn functions() -> Vec<ScalarUDF> {
    use Kind::*;
    [
        ("host", Host),
        ("masklen", Masklen),
        ("family", Family),
        ("network", Network),
        ("broadcast", Broadcast),
        ("netmask", Netmask),
        ("inet_contained_by", ContainedBy),
        ("inet_contained_by_or_equals", ContainedByOrEquals),
        ("inet_overlaps", Overlaps),
    ]
    .into_iter()
    .map(|(name, kind)| function(name, kind))
    .collect()
}

fn function(name: &'static str, kind: Kind) -> ScalarUDF {
    use Kind::*;
    let arity = if matches!(kind, ContainedBy | ContainedByOrEquals | Overlaps) { 2 } else { 1 };
    let signature = Signature::any(arity, Volatility::Immutable);
    ScalarUDF::new_from_impl(InetFunction { name, kind, signature })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct InetFunction {
    name: &'static str,
    kind: Kind,
    signature: Signature,
}

impl ScalarUDFImpl for InetFunction {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        use Kind::*;
        Ok(match self.kind {
            Host | Network | Broadcast | Netmask => DataType::Utf8,
            Masklen | Family => DataType::Int32,
            ContainedBy | ContainedByOrEquals | Overlaps => DataType::Boolean,
        })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        use Kind::*;
        let rows = args.number_rows;
        let nets = args.args.iter().map(|a| addresses(&a.to_array(rows)?)).collect::<Result<Vec<_>>>()?;
        let out: ArrayRef = match self.kind {
            Host | Network | Broadcast | Netmask => {
                let mut builder = StringBuilder::new();
                for net in &nets[0] {
                    builder.append_option(net.map(|n| match self.kind {
                        Host => n.addr().to_string(),
                        Network => n.trunc().to_string(),
                        Broadcast => IpNet::new(n.broadcast(), n.prefix_len()).expect("prefix in range").to_string(),
                        _ => n.netmask().to_string(),
                    }));
                }
                Arc::new(builder.finish())
            }
            Masklen | Family => {
                let mut builder = Int32Builder::new();
                for net in &nets[0] {
                    builder.append_option(net.map(|n| match (self.kind, n) {
                        (Masklen, n) => i32::from(n.prefix_len()),
                        (_, IpNet::V4(_)) => 4,
                        (_, IpNet::V6(_)) => 6,
                    }));
                }
                Arc::new(builder.finish())
            }
            ContainedBy | ContainedByOrEquals | Overlaps => {
                let mut builder = BooleanBuilder::new();
                for (a, b) in nets[0].iter().zip(&nets[1]) {
                    builder.append_option(a.zip(*b).map(|(a, b)| match self.kind {
                        ContainedBy => b.contains(&a) && a.prefix_len() > b.prefix_len(),
                        ContainedByOrEquals => b.contains(&a),
                        _ => a.contains(&b) || b.contains(&a),
                    }));
                }
                Arc::new(builder.finish())
            }
        };
        Ok(ColumnarValue::Array(out))
    }
}

/// Each row as a network: `a.b.c.d/n`, or an address alone (a host: /32, /128).
fn addresses(array: &ArrayRef) -> Result<Vec<Option<IpNet>>> {
    let text = cast(array, &DataType::Utf8)?;
    text.as_string::<i32>()
        .iter()
        .map(|value| {
            let Some(value) = value.map(str::trim) else { return Ok(None) };
            if let Ok(net) = value.parse::<IpNet>() {
                return Ok(Some(net));
            }
            match value.parse::<IpAddr>() {
                Ok(addr) => Ok(Some(IpNet::from(addr))),
                Err(_) => exec_err!("invalid input syntax for type inet: {value:?}"),
            }
        })
        .collect()
}

/// `<<`, `<<=`, `>>`, `>>=` and `&&` where an operand is text; numbers keep their bit shifts.
#[derive(Debug)]
pub struct InetOperators;

impl ExprPlanner for InetOperators {
    fn plan_binary_op(&self, expr: RawBinaryExpr, schema: &DFSchema) -> Result<PlannerResult<RawBinaryExpr>> {
        let text = |e: &Expr| {
            matches!(
                e.get_type(schema as &dyn ExprSchema),
                Ok(DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8)
            )
        };
        // `a >> b` is `b << a`.
        let (name, kind, swapped) = match &expr.op {
            BinaryOperator::PGBitwiseShiftLeft => ("inet_contained_by", Kind::ContainedBy, false),
            BinaryOperator::PGBitwiseShiftRight => ("inet_contained_by", Kind::ContainedBy, true),
            BinaryOperator::Custom(o) if o == "<<=" => {
                ("inet_contained_by_or_equals", Kind::ContainedByOrEquals, false)
            }
            BinaryOperator::Custom(o) if o == ">>=" => ("inet_contained_by_or_equals", Kind::ContainedByOrEquals, true),
            BinaryOperator::PGOverlap => ("inet_overlaps", Kind::Overlaps, false),
            _ => return Ok(PlannerResult::Original(expr)),
        };
        if !text(&expr.left) && !text(&expr.right) {
            return Ok(PlannerResult::Original(expr));
        }
        let args = if swapped { vec![expr.right, expr.left] } else { vec![expr.left, expr.right] };
        let udf = function(name, kind);
        Ok(PlannerResult::Planned(Expr::ScalarFunction(ScalarFunction::new_udf(Arc::new(udf), args))))
    }
}
