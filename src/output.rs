//! Writing answers: an aligned table for people; CSV, JSON, NDJSON and Parquet for
//! programs, streamed batch by batch; files written atomically.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use comfy_table::{ContentArrangement, Table};
use cove_tables::JSON_METADATA_KEY;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::json::writer::{JsonArray, WriterBuilder as JsonWriterBuilder};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::parquet::arrow::ArrowWriter;
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
    Ndjson,
    /// One `column | value` block per row, for wide rows.
    Line,
    Parquet,
}

impl Format {
    /// The format a file name implies.
    pub fn for_path(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            "ndjson" | "jsonl" => Some(Format::Ndjson),
            "parquet" => Some(Format::Parquet),
            "txt" => Some(Format::Table),
            _ => None,
        }
    }
}

/// How a table is laid out: in a terminal, to its width with long cells cut short;
/// anywhere else, every cell in full.
#[derive(Debug, Clone, Copy, Default)]
pub struct Layout {
    pub width: Option<u16>,
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
        Format::Table => Box::new(TableSink { schema, batches: Vec::new(), out, layout }),
        Format::Csv => {
            let mut writer = datafusion::arrow::csv::WriterBuilder::new().with_header(true).build(out);
            // The empty batch writes the header, so an empty answer still has one.
            writer.write(&RecordBatch::new_empty(schema))?;
            Box::new(CsvSink(writer))
        }
        Format::Json => Box::new(JsonSink::new(schema, out, true)),
        Format::Ndjson => Box::new(JsonSink::new(schema, out, false)),
        Format::Line => Box::new(LineSink { out, rows: 0 }),
        Format::Parquet => Box::new(ParquetSink(ArrowWriter::try_new(out, schema, None)?)),
    })
}

struct TableSink {
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
    out: Box<dyn Write + Send>,
    layout: Layout,
}

impl Sink for TableSink {
    fn write(&mut self, batch: &RecordBatch) -> Result<(), ArrowError> {
        self.batches.push(batch.clone());
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
        let mut rows = 0;
        for batch in &self.batches {
            let cells = formatters(batch)?;
            for row in 0..batch.num_rows() {
                let line = cells.iter().map(|c| c.value(row).to_string());
                let line: Vec<String> = match self.layout.width {
                    Some(_) => line.map(|cell| shorten(&cell)).collect(),
                    None => line.collect(),
                };
                table.add_row(line);
                rows += 1;
            }
        }
        writeln!(self.out, "{table}")?;
        writeln!(self.out, "({rows} row{})", if rows == 1 { "" } else { "s" })?;
        self.out.flush()?;
        Ok(())
    }
}

fn shorten(cell: &str) -> String {
    let cell = cell.replace(['\n', '\r'], " ");
    match cell.char_indices().nth(MAX_CELL_CHARS) {
        Some((end, _)) => format!("{}…", &cell[..end]),
        None => cell,
    }
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

/// JSON as one array or one object per line. Columns holding JSON documents are emitted
/// as nested JSON; timestamps as ISO-8601 strings; NULL as null.
struct JsonSink {
    json_columns: Vec<String>,
    out: Box<dyn Write + Send>,
    array: bool,
    rows: usize,
}

impl JsonSink {
    fn new(schema: SchemaRef, out: Box<dyn Write + Send>, array: bool) -> Self {
        let json_columns = schema
            .fields()
            .iter()
            .filter(|f| f.metadata().get(JSON_METADATA_KEY).is_some())
            .map(|f| f.name().clone())
            .collect();
        JsonSink { json_columns, out, array, rows: 0 }
    }
}

impl Sink for JsonSink {
    fn write(&mut self, batch: &RecordBatch) -> Result<(), ArrowError> {
        let mut buffer = Vec::new();
        let mut writer = JsonWriterBuilder::new().with_explicit_nulls(true).build::<_, JsonArray>(&mut buffer);
        writer.write(batch)?;
        writer.finish()?;
        let rows: Vec<Map<String, Value>> = if buffer.is_empty() {
            Vec::new()
        } else {
            serde_json::from_slice(&buffer).map_err(|e| ArrowError::JsonError(e.to_string()))?
        };
        for mut row in rows {
            for column in &self.json_columns {
                if let Some(Value::String(text)) = row.get(column)
                    && let Ok(parsed) = serde_json::from_str::<Value>(text)
                {
                    row.insert(column.clone(), parsed);
                }
            }
            let separator = match (self.array, self.rows) {
                (true, 0) => "[\n",
                (true, _) => ",\n",
                (false, _) => "",
            };
            self.out.write_all(separator.as_bytes())?;
            serde_json::to_writer(&mut self.out, &row).map_err(|e| ArrowError::JsonError(e.to_string()))?;
            if !self.array {
                self.out.write_all(b"\n")?;
            }
            self.rows += 1;
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<(), ArrowError> {
        if self.array {
            self.out.write_all(if self.rows == 0 { b"[]\n" } else { b"\n]\n" })?;
        }
        self.out.flush()?;
        Ok(())
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
                writeln!(self.out, "{:width$} | {}", field.name(), cell.value(row))?;
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

/// Prints `text` on stdout. A reader that stops early (`| head`) is not an error.
pub fn print(text: &str) {
    let _ = std::io::stdout().write_all(text.as_bytes());
}

/// A file that appears at its path only when complete: written to a temporary file in
/// the same directory and renamed over the destination on commit. Dropped uncommitted
/// (an error, a cancelled query), it leaves no trace and the previous file untouched.
pub struct AtomicFile {
    temporary: PathBuf,
    destination: PathBuf,
    committed: bool,
}

impl AtomicFile {
    /// Creates the temporary file now, so an unwritable destination fails before any work.
    pub fn create(destination: &Path) -> Result<(AtomicFile, File), String> {
        let name = destination.file_name().ok_or_else(|| format!("{} is not a file name", destination.display()))?;
        let dir = destination.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let temporary = dir.join(format!(".{}.cove-{}.tmp", name.to_string_lossy(), std::process::id()));
        let file = File::create(&temporary).map_err(|e| format!("cannot write {}: {e}", destination.display()))?;
        Ok((AtomicFile { temporary, destination: destination.to_path_buf(), committed: false }, file))
    }

    pub fn commit(mut self, file: &File) -> Result<(), String> {
        file.sync_all().map_err(|e| format!("cannot write {}: {e}", self.destination.display()))?;
        std::fs::rename(&self.temporary, &self.destination)
            .map_err(|e| format!("cannot write {}: {e}", self.destination.display()))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.temporary);
        }
    }
}

/// Where an answer goes: stdout, or a file that is only there once complete.
pub struct Destination {
    pub format: Format,
    file: Option<(AtomicFile, File)>,
    layout: Layout,
}

impl Destination {
    pub fn stdout(format: Format, layout: Layout) -> Result<Destination, String> {
        if format == Format::Parquet {
            return Err("parquet is written to a file only: add --out FILE.parquet".into());
        }
        Ok(Destination { format, file: None, layout })
    }

    /// A file; its format is `format`, else the one its extension implies.
    pub fn file(path: &Path, format: Option<Format>) -> Result<Destination, String> {
        let format = format.or_else(|| Format::for_path(path)).ok_or_else(|| {
            format!("cannot tell the format of {} from its extension: pass -o FORMAT", path.display())
        })?;
        let file = AtomicFile::create(path)?;
        Ok(Destination { format, file: Some(file), layout: Layout::default() })
    }

    pub fn sink(&self, schema: SchemaRef) -> Result<Box<dyn Sink>, String> {
        let out: Box<dyn Write + Send> = match &self.file {
            Some((_, file)) => Box::new(BufWriter::new(file.try_clone().map_err(|e| e.to_string())?)),
            None => Box::new(std::io::stdout()),
        };
        sink(self.format, schema, out, self.layout).map_err(|e| format!("cannot write the output: {e}"))
    }

    /// Publishes a file destination; stdout needs nothing.
    pub fn commit(self) -> Result<(), String> {
        match self.file {
            Some((atomic, file)) => atomic.commit(&file),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_follow_extensions() {
        assert_eq!(Format::for_path(Path::new("a/b.PARQUET")), Some(Format::Parquet));
        assert_eq!(Format::for_path(Path::new("x.jsonl")), Some(Format::Ndjson));
        assert_eq!(Format::for_path(Path::new("x")), None);
    }

    #[test]
    fn long_cells_are_cut_with_an_ellipsis() {
        let long = "é".repeat(100);
        let short = shorten(&long);
        assert_eq!(short.chars().count(), MAX_CELL_CHARS + 1);
        assert!(short.ends_with('…'));
        assert_eq!(shorten("a\nb"), "a b");
    }

    #[test]
    fn an_uncommitted_file_leaves_the_previous_one_alone() {
        let dir = std::env::temp_dir().join(format!("cove-atomic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.csv");
        std::fs::write(&path, "previous").unwrap();
        {
            let (_atomic, mut file) = AtomicFile::create(&path).unwrap();
            file.write_all(b"half").unwrap();
        }
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "previous");
        let (atomic, mut file) = AtomicFile::create(&path).unwrap();
        file.write_all(b"new").unwrap();
        atomic.commit(&file).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "no temporary file left");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
