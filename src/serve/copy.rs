//! `COPY ... TO STDOUT`: the format its options ask for, and the COPY data sent as
//! Postgres sends it.

use datafusion::sql::sqlparser::ast;
use futures::SinkExt;
use futures::stream::{BoxStream, StreamExt};
use pgwire::api::results::Tag;
use pgwire::error::PgWireResult;
use pgwire::messages::PgWireBackendMessage;
use pgwire::messages::copy::{CopyData, CopyDone, CopyOutResponse};

use super::client::Client;
use super::encode::CopyFormat;
use super::{errors, settings};

/// The COPY data of an answer, its header line first when it has one.
pub struct CopyOut {
    pub columns: usize,
    pub header: Option<CopyData>,
    pub rows: BoxStream<'static, PgWireResult<CopyData>>,
}

/// The format a COPY's options ask for; an option cove cannot honour is an error.
pub fn copy_format(options: &[ast::CopyOption], legacy: &[ast::CopyLegacyOption]) -> PgWireResult<CopyFormat> {
    let unsupported = |option: &dyn std::fmt::Display| {
        errors::error(errors::FEATURE_NOT_SUPPORTED, format!("cove serve does not COPY with {option}"))
    };
    let (mut csv, mut delimiter, mut null, mut quote, mut escape, mut header) = (false, None, None, None, None, false);
    for option in options {
        match option {
            ast::CopyOption::Format(name) if name.value.eq_ignore_ascii_case("csv") => csv = true,
            ast::CopyOption::Format(name) if name.value.eq_ignore_ascii_case("text") => csv = false,
            ast::CopyOption::Delimiter(c) => delimiter = Some(*c),
            ast::CopyOption::Null(text) => null = Some(text.clone()),
            ast::CopyOption::Header(on) => header = *on,
            ast::CopyOption::Quote(c) => quote = Some(*c),
            ast::CopyOption::Escape(c) => escape = Some(*c),
            ast::CopyOption::Encoding(name) if settings::honoured("client_encoding", name).is_ok() => {}
            other => return Err(unsupported(other)),
        }
    }
    for option in legacy {
        match option {
            ast::CopyLegacyOption::Delimiter(c) => delimiter = Some(*c),
            ast::CopyLegacyOption::Null(text) => null = Some(text.clone()),
            ast::CopyLegacyOption::Header => header = true,
            ast::CopyLegacyOption::Csv(csv_options) => {
                csv = true;
                for option in csv_options {
                    match option {
                        ast::CopyLegacyCsvOption::Header => header = true,
                        ast::CopyLegacyCsvOption::Quote(c) => quote = Some(*c),
                        ast::CopyLegacyCsvOption::Escape(c) => escape = Some(*c),
                        other => return Err(unsupported(other)),
                    }
                }
            }
            other => return Err(unsupported(other)),
        }
    }
    // Postgres's rules, so that what is written reads back.
    let invalid = |why: String| errors::error(errors::INVALID_PARAMETER_VALUE, format!("COPY: {why}"));
    if !csv && (quote.is_some() || escape.is_some()) {
        return Err(invalid("QUOTE and ESCAPE are for the CSV format".into()));
    }
    let byte =
        |c: char| u8::try_from(c).ok().filter(u8::is_ascii).ok_or_else(|| invalid(format!("{c} is not one byte")));
    let delimiter = byte(delimiter.unwrap_or(if csv { ',' } else { '\t' }))?;
    let quote = byte(quote.unwrap_or('"'))?;
    let escape = escape.map_or(Ok(quote), byte)?;
    let null = null.unwrap_or_else(|| if csv { String::new() } else { "\\N".to_string() });
    if [b'\r', b'\n'].contains(&delimiter) || (!csv && delimiter == b'\\') || (csv && delimiter == quote) {
        return Err(invalid("the delimiter cannot be a newline, a backslash (text) or the quote (CSV)".into()));
    }
    if null.contains(['\r', '\n']) || null.as_bytes().contains(&delimiter) {
        return Err(invalid("the NULL string cannot hold a newline or the delimiter".into()));
    }
    Ok(CopyFormat { csv, delimiter, null, quote, escape, header })
}

/// COPY data as Postgres sends it: the columns, the rows, done. pgwire's own sender
/// answers an error with CopyFail, which only a client may send, and counts the header
/// line as a row.
pub async fn send_copy(client: &mut impl Client, copy: CopyOut) -> PgWireResult<()> {
    let CopyOut { columns, header, mut rows } = copy;
    let count = i16::try_from(columns).map_err(|_| errors::error(errors::PROGRAM_LIMIT, "too many columns to COPY"))?;
    let started = CopyOutResponse::new(0, count, vec![0; columns]);
    let mut wire = client.wire();
    wire.send(PgWireBackendMessage::CopyOutResponse(started)).await?;
    if let Some(header) = header {
        wire.feed(PgWireBackendMessage::CopyData(header)).await?;
    }
    let mut sent = 0;
    while let Some(row) = rows.next().await {
        wire.feed(PgWireBackendMessage::CopyData(row?)).await?;
        sent += 1;
    }
    wire.feed(PgWireBackendMessage::CopyDone(CopyDone::new())).await?;
    let done = Tag::new("COPY").with_rows(sent);
    wire.send(PgWireBackendMessage::CommandComplete(done.into())).await?;
    Ok(())
}
