//! Output: the formats cove writes, the writers that stream an answer in them, files
//! written atomically, and JSON values shown as text.

mod file;
mod format;
pub mod json_values;
mod sink;

pub use file::{Destination, OutputFile, print};
pub use format::{Format, QUERY_FORMATS, REPORT_FORMATS};
pub use sink::{DEFAULT_MAX_ROWS, Layout, printable};
