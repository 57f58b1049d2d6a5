//! Writing an answer batch by batch: an aligned table for people; CSV, JSON, NDJSON,
//! lines and Parquet for programs.

use std::io::{IsTerminal, Write};
use std::sync::Arc;

use comfy_table::{ContentArrangement, Table};
use cove_tables::JSON_METADATA_KEY;
use datafusion::arrow::array::{Array, AsArray, StringArray};
use datafusion::arrow::datatypes::{FieldRef, SchemaRef};
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::json::writer::{
    Encoder, EncoderFactory, EncoderOptions, JsonFormat, LineDelimited, NullableEncoder, Writer as JsonWriter,
    WriterBuilder as JsonWriterBuilder,
};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::parquet::arrow::ArrowWriter;
use serde_json::Value;

use super::format::Format;

/// How a table is laid out: in a terminal, to its width with long cells cut short;
/// anywhere else, every cell in full.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    pub width: Option<u16>,
    /// Rows a table holds and shows; the rest are counted (a table is laid out whole, so
    /// it holds what it shows).
    pub max_rows: usize,
}

/// Rows a table shows unless told otherwise.
pub const DEFAULT_MAX_ROWS: usize = 1000;

impl Default for Layout {
    fn default() -> Layout {
        Layout { width: None, max_rows: DEFAULT_MAX_ROWS }
    }
}

impl Layout {
    /// The layout for stdout: its width when it is a terminal.
    pub fn stdout() -> Layout {
        if !std::io::stdout().is_terminal() {
            return Layout::default();
        }
        let width = terminal_size::terminal_size().map(|(terminal_size::Width(w), _)| w);
        Layout { width, ..Layout::default() }
    }
}

/// Longest cell shown in a terminal before it is cut with an ellipsis.
const MAX_CELL_CHARS: usize = 60;

/// Receives an answer batch by batch.
pub trait Sink: Send {
    fn write(&mut self, batch: &RecordBatch) -> Result<(), ArrowError>;
    fn finish(self: Box<Self>) -> Result<(), ArrowError>;
}

pub fn sink(
    format: Format,
    schema: SchemaRef,
    out: Box<dyn Write + Send>,
    layout: Layout,
) -> Result<Box<dyn Sink>, ArrowError> {
    Ok(match format {
        Format::Table => Box::new(TableSink { schema, batches: Vec::new(), kept: 0, rows: 0, out, layout }),
        Format::Csv => {
            let mut writer = datafusion::arrow::csv::WriterBuilder::new().with_header(true).build(out);
            // The empty batch writes the header, so an empty answer still has one.
            writer.write(&RecordBatch::new_empty(schema))?;
            Box::new(CsvSink(writer))
        }
        Format::Json => Box::new(JsonSink::<RowPerLine>::new(out)),
        Format::Ndjson => Box::new(JsonSink::<LineDelimited>::new(out)),
        Format::Line => Box::new(LineSink { out, rows: 0 }),
        Format::Parquet => Box::new(ParquetSink(ArrowWriter::try_new(out, schema, None)?)),
        Format::Junit | Format::Html | Format::Brief | Format::Markdown | Format::Asff | Format::Ocsf => {
            return Err(ArrowError::InvalidArgumentError(format!("{format} is for check reports, not query answers")));
        }
    })
}

struct TableSink {
    schema: SchemaRef,
    /// The rows to show, at most `layout.max_rows`.
    batches: Vec<RecordBatch>,
    kept: usize,
    rows: usize,
    out: Box<dyn Write + Send>,
    layout: Layout,
}

impl Sink for TableSink {
    fn write(&mut self, batch: &RecordBatch) -> Result<(), ArrowError> {
        let keep = batch.num_rows().min(self.layout.max_rows - self.kept);
        if keep > 0 {
            self.batches.push(batch.slice(0, keep));
            self.kept += keep;
        }
        self.rows += batch.num_rows();
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<(), ArrowError> {
        let mut table = Table::new();
        // The look of arrow's and datafusion-cli's tables.
        table.load_preset("||--+-++|    ++++++");
        table.set_header(self.schema.fields().iter().map(|f| f.name().as_str()));
        if let Some(width) = self.layout.width {
            table.set_width(width).set_content_arrangement(ContentArrangement::Dynamic);
        }
        for batch in &self.batches {
            let cells = formatters(batch)?;
            for row in 0..batch.num_rows() {
                let line = cells.iter().map(|c| printable(&c.value(row).to_string()));
                let line: Vec<String> = match self.layout.width {
                    Some(_) => line.map(|cell| shorten(&cell)).collect(),
                    None => line.collect(),
                };
                table.add_row(line);
            }
        }
        writeln!(self.out, "{table}")?;
        let rows = self.rows;
        let plural = if rows == 1 { "" } else { "s" };
        match rows - self.kept {
            0 => writeln!(self.out, "({rows} row{plural})")?,
            _ => writeln!(
                self.out,
                "({rows} row{plural}, the first {} shown; raise --maxrows (.maxrows in the shell) or use csv)",
                self.kept
            )?,
        }
        self.out.flush()?;
        Ok(())
    }
}

fn shorten(cell: &str) -> String {
    match cell.char_indices().nth(MAX_CELL_CHARS) {
        Some((end, _)) => format!("{}…", &cell[..end]),
        None => cell.to_string(),
    }
}

/// Text as a terminal, an XML parser or a browser may take it: control characters (escape
/// sequences a tag value or a description could carry, NUL, newlines) and the
/// non-characters XML forbids written as escapes, never sent raw.
pub fn printable(text: &str) -> String {
    let hidden = |c: char| c.is_control() || matches!(c, '\u{fffe}' | '\u{ffff}');
    if !text.chars().any(hidden) {
        return text.to_string();
    }
    text.chars().map(|c| if hidden(c) { c.escape_default().to_string() } else { c.to_string() }).collect()
}

fn formatters(batch: &RecordBatch) -> Result<Vec<ArrayFormatter<'_>>, ArrowError> {
    let options = FormatOptions::default().with_null("NULL");
    batch.columns().iter().map(|c| ArrayFormatter::try_new(c.as_ref(), &options)).collect()
}

struct CsvSink(datafusion::arrow::csv::Writer<Box<dyn Write + Send>>);

impl Sink for CsvSink {
    fn write(&mut self, batch: &RecordBatch) -> Result<(), ArrowError> {
        self.0.write(batch)
    }

    fn finish(self: Box<Self>) -> Result<(), ArrowError> {
        self.0.into_inner().flush()?;
        Ok(())
    }
}

/// JSON as one array or one object per line, written straight from the batch by arrow's
/// encoders. Columns holding JSON documents are emitted as nested JSON; timestamps as
/// ISO-8601 strings; NULL as null.
struct JsonSink<F: JsonFormat>(JsonWriter<Box<dyn Write + Send>, F>);

impl<F: JsonFormat + Send> JsonSink<F> {
    fn new(out: Box<dyn Write + Send>) -> Self {
        let builder = JsonWriterBuilder::new().with_explicit_nulls(true).with_encoder_factory(Arc::new(JsonDocuments));
        JsonSink(builder.build(out))
    }
}

impl<F: JsonFormat + Send> Sink for JsonSink<F> {
    fn write(&mut self, batch: &RecordBatch) -> Result<(), ArrowError> {
        self.0.write(batch)
    }

    fn finish(mut self: Box<Self>) -> Result<(), ArrowError> {
        self.0.finish()?;
        self.0.get_mut().flush()?;
        Ok(())
    }
}

/// A JSON array with one row per line, readable by people and line-based tools alike.
#[derive(Debug, Default)]
struct RowPerLine {
    any: std::cell::Cell<bool>,
}

impl JsonFormat for RowPerLine {
    fn start_stream<W: Write>(&self, writer: &mut W) -> Result<(), ArrowError> {
        Ok(writer.write_all(b"[")?)
    }

    fn start_row<W: Write>(&self, writer: &mut W, is_first_row: bool) -> Result<(), ArrowError> {
        self.any.set(true);
        Ok(writer.write_all(if is_first_row { b"\n" } else { b",\n" })?)
    }

    fn end_stream<W: Write>(&self, writer: &mut W) -> Result<(), ArrowError> {
        Ok(writer.write_all(if self.any.get() { b"\n]\n" } else { b"]\n" })?)
    }
}

/// Encodes the text columns marked as JSON documents as the documents themselves (text
/// that does not parse stays a string).
#[derive(Debug)]
struct JsonDocuments;

impl EncoderFactory for JsonDocuments {
    fn make_default_encoder<'a>(
        &self,
        field: &'a FieldRef,
        array: &'a dyn Array,
        _options: &'a EncoderOptions,
    ) -> Result<Option<NullableEncoder<'a>>, ArrowError> {
        let text = array.as_string_opt::<i32>().filter(|_| field.metadata().contains_key(JSON_METADATA_KEY));
        Ok(text.map(|text| NullableEncoder::new(Box::new(JsonDocument(text)), text.nulls().cloned())))
    }
}

struct JsonDocument<'a>(&'a StringArray);

impl Encoder for JsonDocument<'_> {
    fn encode(&mut self, idx: usize, out: &mut Vec<u8>) {
        let text = self.0.value(idx);
        // Parsed and written again, so a document spread over lines keeps NDJSON one row a line.
        let written = match serde_json::from_str::<Value>(text) {
            Ok(document) => serde_json::to_writer(out, &document),
            Err(_) => serde_json::to_writer(out, text),
        };
        written.expect("a JSON value is always written to memory");
    }
}

struct LineSink {
    out: Box<dyn Write + Send>,
    rows: usize,
}

impl Sink for LineSink {
    fn write(&mut self, batch: &RecordBatch) -> Result<(), ArrowError> {
        let schema = batch.schema();
        let width = schema.fields().iter().map(|f| f.name().chars().count()).max().unwrap_or(0);
        let cells = formatters(batch)?;
        for row in 0..batch.num_rows() {
            self.rows += 1;
            writeln!(self.out, "-[ RECORD {} ]-", self.rows)?;
            for (field, cell) in schema.fields().iter().zip(&cells) {
                writeln!(self.out, "{:width$} | {}", field.name(), printable(&cell.value(row).to_string()))?;
            }
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<(), ArrowError> {
        writeln!(self.out, "({} row{})", self.rows, if self.rows == 1 { "" } else { "s" })?;
        self.out.flush()?;
        Ok(())
    }
}

struct ParquetSink(ArrowWriter<Box<dyn Write + Send>>);

impl Sink for ParquetSink {
    fn write(&mut self, batch: &RecordBatch) -> Result<(), ArrowError> {
        self.0.write(batch).map_err(|e| ArrowError::ExternalError(Box::new(e)))
    }

    fn finish(self: Box<Self>) -> Result<(), ArrowError> {
        self.0.close().map(drop).map_err(|e| ArrowError::ExternalError(Box::new(e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_cells_are_cut_with_an_ellipsis() {
        let long = "é".repeat(100);
        let short = shorten(&long);
        assert_eq!(short.chars().count(), MAX_CELL_CHARS + 1);
        assert!(short.ends_with('…'));
        assert_eq!(printable("a\nb\u{1b}[31m"), "a\\nb\\u{1b}[31m");
        assert_eq!(printable("plain é"), "plain é");
        assert_eq!(printable("\0\u{1}\u{fffe}"), "\\u{0}\\u{1}\\u{fffe}");
    }
}
