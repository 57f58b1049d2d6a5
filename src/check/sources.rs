//! Where controls come from: the packs and benchmarks built into the binary, or the
//! user's files and folders.

use std::path::Path;

use super::benchmark::{self, Benchmark};
use super::builtin::BUILTIN;
use super::control::Control;

/// Controls, and what the user should know about where they came from.
#[derive(Debug, Default)]
pub struct Loaded {
    pub controls: Vec<Control>,
    pub notes: Vec<String>,
    /// The benchmarks named, whose trees the reports show.
    pub benchmarks: Vec<Benchmark>,
}

/// The largest control file read: a control is a page of SQL, not a stream.
const MAX_CONTROL_BYTES: u64 = 1 << 20;

/// The controls named by `sources`: built-in pack names (`aws`, or `builtin:aws` where a
/// local file or folder has the same name), built-in benchmarks (`cis_v300`: their
/// controls), `.sql` files, or folders of them. None: every built-in pack.
pub fn load(sources: &[String]) -> Result<Loaded, String> {
    let builtin = |pack: Option<&str>| -> Result<Vec<Control>, String> {
        BUILTIN
            .iter()
            .filter(|(p, _, _)| pack.is_none_or(|name| name == *p))
            .map(|(pack, file, text)| Control::parse(&format!("{pack}/{file}"), text))
            .collect()
    };
    let is_pack = |name: &str| BUILTIN.iter().any(|(pack, _, _)| *pack == name);
    let benchmarks = benchmark::builtin()?;
    let benchmark = |name: &str| benchmarks.iter().find(|b| b.id == name);
    let mut loaded = Loaded::default();
    let controls = &mut loaded.controls;
    if sources.is_empty() {
        *controls = builtin(None)?;
    }
    for source in sources {
        let name = source.strip_prefix("builtin:").unwrap_or(source);
        let local = !source.starts_with("builtin:") && Path::new(source).exists();
        if let (Some(benchmark), false) = (benchmark(name), local) {
            let all = builtin(None)?;
            for id in benchmark.control_ids() {
                controls.extend(all.iter().find(|c| c.id == id).cloned());
            }
            loaded.benchmarks.push(benchmark.clone());
            continue;
        }
        if let Some(pack) = source.strip_prefix("builtin:").filter(|pack| is_pack(pack)) {
            controls.extend(builtin(Some(pack))?);
            continue;
        }
        let path = Path::new(source);
        if path.exists() && is_pack(source) {
            loaded.notes.push(format!(
                "{source} is the local {} here, not the built-in pack (name that one builtin:{source})",
                if path.is_dir() { "folder" } else { "file" }
            ));
        }
        if path.is_dir() {
            let mut files: Vec<_> = std::fs::read_dir(path)
                .map_err(|e| format!("cannot read {source}: {e}"))?
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "sql"))
                .collect();
            files.sort();
            if files.is_empty() {
                return Err(format!("{source} holds no .sql controls"));
            }
            for file in files {
                controls.push(read(&file)?);
            }
        } else if path.exists() {
            controls.push(read(path)?);
        } else if is_pack(source) {
            controls.extend(builtin(Some(source))?);
        } else {
            let packs: std::collections::BTreeSet<_> = BUILTIN.iter().map(|(p, _, _)| *p).collect();
            let packs = packs.into_iter().collect::<Vec<_>>().join(", ");
            let ids: Vec<&str> = benchmarks.iter().map(|b| b.id.as_str()).collect();
            return Err(format!(
                "{source} is not a control file, a folder, a built-in pack ({packs}) or a benchmark ({})",
                ids.join(", ")
            ));
        }
    }
    // A built-in control loaded both from its pack and from a benchmark runs once.
    let mut unique: Vec<Control> = Vec::with_capacity(loaded.controls.len());
    for control in std::mem::take(&mut loaded.controls) {
        match unique.iter().find(|c| c.id == control.id) {
            Some(first) if first.source == control.source => {}
            Some(first) => {
                return Err(format!("{}: the id {} is also used by {}", control.source, control.id, first.source));
            }
            None => unique.push(control),
        }
    }
    loaded.controls = unique;
    Ok(loaded)
}

/// A control file: a regular file (a link is followed to one) of bounded size, never a
/// device or a pipe that could be read forever.
fn read(path: &Path) -> Result<Control, String> {
    let cannot = |why: String| format!("cannot read {}: {why}", path.display());
    let meta = std::fs::metadata(path).map_err(|e| cannot(e.to_string()))?;
    if !meta.is_file() {
        return Err(cannot("not a regular file".into()));
    }
    let mut text = String::new();
    let file = std::fs::File::open(path).map_err(|e| cannot(e.to_string()))?;
    std::io::Read::read_to_string(&mut std::io::Read::take(file, MAX_CONTROL_BYTES + 1), &mut text)
        .map_err(|e| cannot(e.to_string()))?;
    if text.len() as u64 > MAX_CONTROL_BYTES {
        return Err(cannot(format!("larger than {} KiB", MAX_CONTROL_BYTES >> 10)));
    }
    Control::parse(&path.display().to_string(), &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_pack_parses() {
        let controls = load(&[]).unwrap().controls;
        assert!(controls.len() >= 30, "{}", controls.len());
    }
}
