//! Where an answer goes: stdout, or a file that appears only once complete.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use datafusion::arrow::datatypes::SchemaRef;

use super::format::Format;
use super::sink::{Layout, Sink, sink};

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

    /// A file; its format is `format`, else the one of `allowed` its extension implies.
    pub fn file(path: &Path, format: Option<Format>, allowed: &[Format]) -> Result<Destination, String> {
        let format = format.or_else(|| Format::for_path(path, allowed)).ok_or_else(|| {
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

    /// Writes a whole text (a check report) and publishes it.
    pub fn publish(self, text: &str) -> Result<(), String> {
        match self.file {
            Some((atomic, mut file)) => {
                file.write_all(text.as_bytes())
                    .map_err(|e| format!("cannot write {}: {e}", atomic.destination.display()))?;
                atomic.commit(&file)
            }
            None => {
                print(text);
                Ok(())
            }
        }
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
