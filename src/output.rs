//! Printing answers: an aligned table for people, CSV and JSON for programs.

use std::io::Write;

use clap::ValueEnum;
use datafusion::arrow::csv::WriterBuilder;
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::json::ArrayWriter;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::arrow::util::pretty::pretty_format_batches_with_schema;

use crate::session::Answer;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

pub fn write(format: Format, answer: &Answer, out: &mut dyn Write) -> Result<(), ArrowError> {
    match format {
        Format::Table => {
            writeln!(out, "{}", pretty_format_batches_with_schema(answer.schema.clone(), &answer.batches)?)?;
            let rows = answer.rows();
            writeln!(out, "({rows} row{})", if rows == 1 { "" } else { "s" })?;
        }
        Format::Csv => {
            let mut writer = WriterBuilder::new().with_header(true).build(out);
            // The empty batch first, so the header is written even when no rows come back.
            writer.write(&RecordBatch::new_empty(answer.schema.clone()))?;
            for batch in &answer.batches {
                writer.write(batch)?;
            }
        }
        Format::Json => {
            if answer.rows() == 0 {
                writeln!(out, "[]")?;
            } else {
                let mut writer = ArrayWriter::new(&mut *out);
                for batch in &answer.batches {
                    writer.write(batch)?;
                }
                writer.finish()?;
                writeln!(out)?;
            }
        }
    }
    Ok(())
}
