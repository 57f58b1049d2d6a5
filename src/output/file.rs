//! Where an answer goes: stdout, or a file that appears only once complete.

use std::fs::{File, OpenOptions, Permissions};
use std::io::{BufWriter, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use datafusion::arrow::datatypes::SchemaRef;
use tempfile::NamedTempFile;

use super::format::Format;
use super::sink::{Layout, Sink, sink};

/// Prints `text` on stdout. A reader that stops early (`| head`) is not an error.
pub fn print(text: &str) {
    let _ = std::io::stdout().write_all(text.as_bytes());
}

/// An I/O error as the OS said it, without the temporary file's name tempfile adds.
fn os_error(error: &std::io::Error) -> String {
    let text = error.to_string();
    text.split(" at path \"").next().unwrap_or(&text).to_string()
}

/// Symbolic links followed to the file they name, at most this many.
const MAX_LINKS: usize = 40;

/// An output path as written: a regular file (or a new one) replaced atomically, or a
/// device or pipe written as a stream.
pub enum OutputFile {
    Atomic(AtomicFile),
    Stream { path: PathBuf, file: File },
}

impl OutputFile {
    /// Opens `path` for an answer now, so an unwritable destination fails before any work.
    /// A symbolic link is followed: the file it names is replaced, the link kept.
    pub fn open(path: &Path) -> Result<OutputFile, String> {
        let cannot = |e: std::io::Error| format!("cannot write {}: {}", path.display(), os_error(&e));
        let resolved = follow_links(path).map_err(cannot)?;
        match std::fs::metadata(&resolved) {
            Ok(meta) if meta.is_dir() => Err(format!("cannot write {}: it is a directory", path.display())),
            Ok(meta) if !meta.is_file() => {
                let file = OpenOptions::new().write(true).open(&resolved).map_err(cannot)?;
                Ok(OutputFile::Stream { path: path.to_path_buf(), file })
            }
            Ok(meta) => AtomicFile::create(path, resolved, Some(meta.permissions())).map(OutputFile::Atomic),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                AtomicFile::create(path, resolved, None).map(OutputFile::Atomic)
            }
            Err(e) => Err(cannot(e)),
        }
    }

    /// Where to write: the temporary file, or the stream.
    pub fn file(&self) -> &File {
        match self {
            OutputFile::Atomic(atomic) => atomic.temporary.as_file(),
            OutputFile::Stream { file, .. } => file,
        }
    }

    /// Makes the answer visible at its path.
    pub fn commit(self) -> Result<(), String> {
        match self {
            OutputFile::Atomic(atomic) => atomic.commit(),
            OutputFile::Stream { path, file } => {
                let mut file = file;
                file.flush().map_err(|e| format!("cannot write {}: {e}", path.display()))
            }
        }
    }
}

/// The path a chain of symbolic links ends at (which need not exist yet).
fn follow_links(path: &Path) -> std::io::Result<PathBuf> {
    let mut path = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = std::fs::read_link(&path)?;
                path = path.parent().map_or(target.clone(), |dir| dir.join(&target));
            }
            _ => return Ok(path),
        }
    }
    Err(std::io::Error::other("too many levels of symbolic links"))
}

/// A file that appears at its path only when complete: written to a temporary file in
/// the same directory, created exclusively under an unpredictable name, and renamed over
/// the destination on commit with the permissions the destination had. Dropped
/// uncommitted (an error, a cancelled query, a signal), it leaves no trace and the
/// previous file untouched.
pub struct AtomicFile {
    temporary: NamedTempFile,
    /// The path as the user gave it, for messages.
    shown: PathBuf,
    /// The file it names, symbolic links followed: what the rename replaces.
    destination: PathBuf,
    /// The permissions the destination had, kept by the file replacing it.
    permissions: Option<Permissions>,
}

impl AtomicFile {
    fn create(shown: &Path, destination: PathBuf, permissions: Option<Permissions>) -> Result<AtomicFile, String> {
        let cannot = |e: std::io::Error| format!("cannot write {}: {}", shown.display(), os_error(&e));
        let name = destination.file_name().ok_or_else(|| format!("{} is not a file name", shown.display()))?;
        let dir = destination.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let temporary = tempfile::Builder::new()
            .prefix(&format!(".{}.", name.to_string_lossy()))
            .suffix(".cove-tmp")
            // A new file gets what the umask allows, as any other file the user creates.
            .permissions(Permissions::from_mode(0o666))
            .tempfile_in(dir)
            .map_err(cannot)?;
        Ok(AtomicFile { temporary, shown: shown.to_path_buf(), destination, permissions })
    }

    /// The temporary file's path, for writers that open it by name.
    pub fn temporary_path(&self) -> &Path {
        self.temporary.path()
    }

    fn commit(self) -> Result<(), String> {
        let cannot = |e: std::io::Error| format!("cannot write {}: {}", self.shown.display(), os_error(&e));
        // By path: a writer (COPY's) may have replaced the file the handle was opened on.
        let path = self.temporary.path();
        if let Some(permissions) = &self.permissions {
            std::fs::set_permissions(path, permissions.clone()).map_err(cannot)?;
        }
        File::open(path).and_then(|f| f.sync_all()).map_err(cannot)?;
        self.temporary.persist(&self.destination).map_err(|e| cannot(e.error))?;
        Ok(())
    }
}

/// Where an answer goes: stdout, or a file that is only there once complete.
pub struct Destination {
    pub format: Format,
    file: Option<OutputFile>,
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
        let file = OutputFile::open(path)?;
        Ok(Destination { format, file: Some(file), layout: Layout::default() })
    }

    pub fn sink(&self, schema: SchemaRef) -> Result<Box<dyn Sink>, String> {
        let out: Box<dyn Write + Send> = match &self.file {
            Some(file) => Box::new(BufWriter::new(file.file().try_clone().map_err(|e| e.to_string())?)),
            None => Box::new(std::io::stdout()),
        };
        sink(self.format, schema, out, self.layout).map_err(|e| format!("cannot write the output: {e}"))
    }

    /// Writes a whole text (a check report) and publishes it.
    pub fn publish(self, text: &str) -> Result<(), String> {
        match self.file {
            Some(file) => {
                file.file().write_all(text.as_bytes()).map_err(|e| format!("cannot write the report: {e}"))?;
                file.commit()
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
            Some(file) => file.commit(),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::symlink;

    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("cove-file-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn write(path: &Path, text: &str) -> Result<(), String> {
        let file = OutputFile::open(path)?;
        file.file().write_all(text.as_bytes()).unwrap();
        file.commit()
    }

    #[test]
    fn an_uncommitted_file_leaves_the_previous_one_alone() {
        let dir = scratch("atomic");
        let path = dir.join("out.csv");
        std::fs::write(&path, "previous").unwrap();
        {
            let file = OutputFile::open(&path).unwrap();
            file.file().write_all(b"half").unwrap();
        }
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "previous");
        write(&path, "new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "no temporary file left");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_link_keeps_pointing_at_the_replaced_file_and_permissions_stay() {
        let dir = scratch("link");
        let target = dir.join("real.csv");
        std::fs::write(&target, "old").unwrap();
        std::fs::set_permissions(&target, Permissions::from_mode(0o600)).unwrap();
        let link = dir.join("link.csv");
        symlink("real.csv", &link).unwrap();
        write(&link, "new").unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link is kept");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(std::fs::metadata(&target).unwrap().permissions().mode() & 0o777, 0o600);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_pipe_is_written_as_a_stream() {
        let dir = scratch("fifo");
        let fifo = dir.join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
        };
        write(&fifo, "streamed").unwrap();
        assert_eq!(reader.join().unwrap(), "streamed");
        assert!(!std::fs::metadata(&fifo).unwrap().is_file(), "the pipe is still a pipe");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_temporary_file_is_not_predictable_and_not_followed() {
        let dir = scratch("plant");
        let victim = dir.join("victim");
        std::fs::write(&victim, "keep").unwrap();
        // What the old predictable name was: a planted link there must not matter.
        symlink(&victim, dir.join(format!(".out.csv.cove-{}.tmp", std::process::id()))).unwrap();
        let first = OutputFile::open(&dir.join("out.csv")).unwrap();
        let second = OutputFile::open(&dir.join("out.csv")).unwrap();
        let (OutputFile::Atomic(a), OutputFile::Atomic(b)) = (&first, &second) else { panic!("regular files") };
        assert_ne!(a.temporary_path(), b.temporary_path());
        first.file().write_all(b"x").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
