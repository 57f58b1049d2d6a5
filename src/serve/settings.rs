//! Session settings over the wire: SET, SHOW and RESET as clients use them. A setting
//! that changes how values are written (encoding, date style) takes cove's value only,
//! since the answers are always written that way.

use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, stream};
use pgwire::api::portal::Format;
use pgwire::api::results::{DataRowEncoder, FieldInfo, QueryResponse, Tag};
use pgwire::api::{ClientInfo, Type};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::PgWireBackendMessage;
use pgwire::messages::response::TransactionStatus;
use pgwire::messages::startup::ParameterStatus;

use super::client::{Client, Connection};
use super::errors;

/// Settings clients track: a change is reported back to them.
const REPORTED: [&str; 6] =
    ["application_name", "client_encoding", "DateStyle", "IntervalStyle", "TimeZone", "standard_conforming_strings"];

/// Settings a client may ask for that it did not set, and cove's values for them.
const DEFAULTS: &[(&str, &str)] = &[
    ("application_name", ""),
    ("client_encoding", "UTF8"),
    ("server_encoding", "UTF8"),
    ("DateStyle", "ISO, MDY"),
    ("IntervalStyle", "postgres"),
    ("TimeZone", "UTC"),
    ("standard_conforming_strings", "on"),
    ("integer_datetimes", "on"),
    ("search_path", "public"),
    ("transaction_isolation", "read committed"),
    ("transaction isolation level", "read committed"),
    ("transaction_read_only", "on"),
    ("default_transaction_read_only", "on"),
    ("max_identifier_length", "63"),
    ("statement_timeout", "0"),
];

/// `name` as Postgres spells it, for the settings cove knows.
pub fn known_name(name: &str) -> String {
    let known = DEFAULTS.iter().map(|(known, _)| *known).find(|k| k.eq_ignore_ascii_case(name));
    known.unwrap_or(name).to_string()
}

/// The value `SET name = value` leaves, or why cove cannot honour it.
pub fn honoured(name: &str, value: &str) -> PgWireResult<String> {
    let words: Vec<String> =
        value.split(|c: char| c == ',' || c.is_whitespace()).filter(|w| !w.is_empty()).map(str::to_uppercase).collect();
    let refused = |what: &str| {
        errors::error(errors::INVALID_PARAMETER_VALUE, format!("cove serve {what}: {name} cannot be set to {value}"))
    };
    match name {
        "client_encoding" => match value.to_uppercase().replace(['-', '_'], "").as_str() {
            "UTF8" | "UNICODE" => Ok("UTF8".into()),
            _ => Err(refused("sends UTF8 only")),
        },
        "standard_conforming_strings" => match value.to_lowercase().as_str() {
            "on" | "true" | "yes" | "1" => Ok("on".into()),
            _ => Err(refused("reads string literals the standard way only")),
        },
        "IntervalStyle" => match value.eq_ignore_ascii_case("postgres") {
            true => Ok("postgres".into()),
            false => Err(refused("writes intervals in the postgres style only")),
        },
        // An order of day, month and year only changes how input is read, which cove
        // does not do by it; the style is always ISO.
        "DateStyle" => {
            let order = |w: &str| match w {
                "MDY" | "US" | "NONEURO" | "NONEUROPEAN" => Some("MDY"),
                "DMY" | "EURO" | "EUROPEAN" => Some("DMY"),
                "YMD" => Some("YMD"),
                _ => None,
            };
            match words.iter().all(|w| w == "ISO" || order(w).is_some()) {
                true => Ok(format!("ISO, {}", words.iter().find_map(|w| order(w)).unwrap_or("MDY"))),
                false => Err(refused("writes dates in the ISO style only")),
            }
        }
        "statement_timeout" => match timeout(value) {
            Some(_) => Ok(value.trim().to_string()),
            None => Err(errors::error(
                errors::INVALID_PARAMETER_VALUE,
                format!("invalid value for parameter \"statement_timeout\": \"{value}\" (a duration: 1500, 30s, 5min)"),
            )),
        },
        _ => Ok(value.to_string()),
    }
}

/// A `statement_timeout` as Postgres reads one: a number of milliseconds, or of the unit
/// after it (us, ms, s, min, h, d); None when it is not one. Zero is no limit.
pub fn timeout(value: &str) -> Option<Option<Duration>> {
    let value = value.trim();
    let split = value.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(value.len());
    let (number, unit) = value.split_at(split);
    let number: f64 = number.parse().ok().filter(|n: &f64| n.is_finite())?;
    let unit = match unit.trim() {
        "us" => 1e-6,
        "" | "ms" => 1e-3,
        "s" => 1.0,
        "min" => 60.0,
        "h" => 3600.0,
        "d" => 86_400.0,
        _ => return None,
    };
    let timeout = Duration::try_from_secs_f64(number * unit).ok()?;
    // Postgres's own bound (INT_MAX milliseconds); past it a deadline would not fit a clock.
    if timeout > Duration::from_millis(i32::MAX as u64) {
        return None;
    }
    Some((!timeout.is_zero()).then_some(timeout))
}

/// How long a statement of this client may take, if it is bounded.
pub fn statement_timeout<C: ClientInfo>(client: &C) -> Option<Duration> {
    value(client, "statement_timeout").and_then(|value| timeout(&value)).flatten()
}

/// A setting's value for this client: what it set or started with, or cove's.
pub fn value<C: ClientInfo>(client: &C, name: &str) -> Option<String> {
    let set = client.metadata().iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value);
    let default = DEFAULTS.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| *value);
    set.map(String::as_str).or(default).map(str::to_string)
}

pub fn unknown(name: &str) -> PgWireError {
    errors::error(errors::UNDEFINED_OBJECT, format!("unrecognized configuration parameter \"{name}\""))
}

/// Tells the client the values of the settings in `names` that clients track.
pub async fn report(client: &mut impl Client, names: impl IntoIterator<Item = String>) -> PgWireResult<()> {
    for name in names {
        if let Some(reported) = REPORTED.iter().find(|r| r.eq_ignore_ascii_case(&name))
            && let Some(value) = value(client, reported)
        {
            let status = ParameterStatus::new(reported.to_string(), value);
            client.wire().feed(PgWireBackendMessage::ParameterStatus(status)).await?;
        }
    }
    Ok(())
}

/// `SET name = value`, for the values cove can honour.
pub async fn set(client: &mut impl Client, name: &str, value: &str) -> PgWireResult<Tag> {
    let name = known_name(name);
    let value = honoured(&name, value)?;
    client.metadata_mut().insert(name.clone(), value);
    report(client, [name]).await?;
    Ok(Tag::new("SET"))
}

/// `RESET name`, or every setting (`name` None): back to what the connection started with.
pub async fn reset(client: &mut impl Client, name: Option<&str>, tag: &str) -> PgWireResult<Tag> {
    let connection = Connection::of(client)?;
    if tag == "DISCARD ALL" && matches!(client.transaction_status(), TransactionStatus::Transaction) {
        return Err(errors::error(errors::ACTIVE_TRANSACTION, "DISCARD ALL cannot run inside a transaction block"));
    }
    let names: Vec<String> = match name {
        Some(name) if value(client, name).is_none() => return Err(unknown(name)),
        Some(name) => vec![known_name(name)],
        None => client.metadata().keys().chain(connection.startup.keys()).cloned().collect(),
    };
    for name in &names {
        match connection.startup.get(name) {
            Some(value) => client.metadata_mut().insert(name.clone(), value.clone()),
            None => client.metadata_mut().remove(name),
        };
    }
    report(client, names).await?;
    Ok(Tag::new(tag))
}

/// `SHOW name`: what the client set, or cove's value.
pub fn show<C: ClientInfo>(client: &C, name: &str, format: &Format) -> PgWireResult<QueryResponse> {
    let value = value(client, name).ok_or_else(|| unknown(name))?;
    let fields = Arc::new(vec![show_field(name, format)]);
    let mut row = DataRowEncoder::new(fields.clone());
    row.encode_field(&value)?;
    Ok(QueryResponse::new(fields, stream::iter([Ok(row.take_row())])))
}

pub fn show_field(name: &str, format: &Format) -> FieldInfo {
    FieldInfo::new(name.to_string(), None, None, Type::TEXT, format.format_for(0))
}
