//! What goes wrong, as the Postgres errors clients know: a SQLSTATE a driver can act on
//! (a syntax error is 42601, an unknown table 42P01) and cove's one-line message.

use datafusion::error::DataFusionError;
use pgwire::error::{ErrorInfo, PgWireError};

use crate::engine::session;

pub const SYNTAX_ERROR: &str = "42601";
pub const UNDEFINED_TABLE: &str = "42P01";
pub const UNDEFINED_COLUMN: &str = "42703";
pub const UNDEFINED_OBJECT: &str = "42704";
pub const UNDEFINED_PARAMETER: &str = "42P02";
pub const FEATURE_NOT_SUPPORTED: &str = "0A000";
pub const READ_ONLY: &str = "25006";
pub const QUERY_CANCELED: &str = "57014";
pub const INVALID_PARAMETER_VALUE: &str = "22023";
pub const IN_FAILED_TRANSACTION: &str = "25P02";
pub const ACTIVE_TRANSACTION: &str = "25001";
/// The statement ran, but an account or region it needed did not answer.
pub const EXTERNAL_FAILURE: &str = "58000";
pub const OUT_OF_MEMORY: &str = "53200";
pub const TOO_MANY_CONNECTIONS: &str = "53300";
pub const PROGRAM_LIMIT: &str = "54000";
pub const INTERNAL: &str = "XX000";
pub const INVALID_AUTHORIZATION: &str = "28000";
pub const PROTOCOL_VIOLATION: &str = "08P01";

pub fn error(code: &str, message: impl Into<String>) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new("ERROR".into(), code.into(), message.into())))
}

pub fn canceled() -> PgWireError {
    error(QUERY_CANCELED, "canceling statement due to user request")
}

/// A DataFusion error with the SQLSTATE of its kind.
pub fn from_datafusion(error: &DataFusionError) -> PgWireError {
    let message = session::describe(error);
    let code = match error.find_root() {
        DataFusionError::SQL(..) => SYNTAX_ERROR,
        DataFusionError::SchemaError(..) => UNDEFINED_COLUMN,
        DataFusionError::Plan(text) if text.contains("not found") && text.contains("table") => UNDEFINED_TABLE,
        DataFusionError::Plan(_) => SYNTAX_ERROR,
        DataFusionError::NotImplemented(_) => FEATURE_NOT_SUPPORTED,
        DataFusionError::ResourcesExhausted(_) => OUT_OF_MEMORY,
        _ => INTERNAL,
    };
    self::error(code, message)
}
