//! Benchmarks: a framework's tree of sections and numbered items over controls, declared
//! in a file beside the controls (`controls/benchmarks/*.toml`, compiled in). A control
//! may serve several items and several benchmarks.

use std::collections::BTreeSet;
use std::fmt::Write;

use serde::Deserialize;
use serde_json::{Value, json};

use super::builtin::BENCHMARKS;
use super::runner::{Outcome, Status};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Benchmark {
    pub id: String,
    pub title: String,
    /// The control tag key carrying this framework's item numbers (`cis` for `cis:1.2`):
    /// the built-in controls tagged with it are exactly the benchmark's items.
    pub tag: Option<String>,
    #[serde(rename = "section", default)]
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub number: String,
    pub title: String,
    /// (item number, control id)
    #[serde(default)]
    pub items: Vec<(String, String)>,
    #[serde(rename = "section", default)]
    pub sections: Vec<Section>,
}

/// The built-in benchmarks.
pub fn builtin() -> Result<Vec<Benchmark>, String> {
    BENCHMARKS
        .iter()
        .map(|(file, text)| toml::from_str(text).map_err(|e| format!("benchmarks/{file}: {}", e.message())))
        .collect()
}

impl Section {
    /// The section's control ids and its subsections', once each, in order.
    pub fn controls(&self) -> Vec<String> {
        let mut ids = Vec::new();
        self.control_ids(&mut ids);
        ids
    }

    /// The section's control ids and its subsections', once each, in order.
    fn control_ids(&self, into: &mut Vec<String>) {
        for (_, control) in &self.items {
            if !into.contains(control) {
                into.push(control.clone());
            }
        }
        for section in &self.sections {
            section.control_ids(into);
        }
    }

    fn counts(&self, outcomes: &[Outcome]) -> Vec<(Status, usize)> {
        let ids = self.controls();
        let ids: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
        let relevant: Vec<&Outcome> = outcomes.iter().filter(|o| ids.contains(o.control.id.as_str())).collect();
        Status::ALL.iter().map(|&s| (s, relevant.iter().map(|o| o.count(s)).sum())).collect()
    }
}

fn counts_text(counts: &[(Status, usize)]) -> String {
    let parts: Vec<String> = counts.iter().filter(|(_, n)| *n > 0).map(|(s, n)| format!("{s} {n}")).collect();
    if parts.is_empty() { "nothing evaluated".into() } else { parts.join(", ") }
}

impl Benchmark {
    pub fn control_ids(&self) -> Vec<String> {
        let mut ids = Vec::new();
        for section in &self.sections {
            section.control_ids(&mut ids);
        }
        ids
    }

    /// The tree, for `cove check --list`: sections, and each item's number and control.
    pub fn tree(&self) -> String {
        fn walk(section: &Section, depth: usize, out: &mut String) {
            let indent = "  ".repeat(depth);
            let _ = writeln!(out, "{indent}{} {}", section.number, section.title);
            for (number, control) in &section.items {
                let _ = writeln!(out, "{indent}  {number:<8} {control}");
            }
            for child in &section.sections {
                walk(child, depth + 1, out);
            }
        }
        let mut out = format!("{}  {}\n", self.id, self.title);
        for section in &self.sections {
            walk(section, 1, &mut out);
        }
        out
    }

    /// The tree with each section's and item's counts, for the table report.
    pub fn summary(&self, outcomes: &[Outcome]) -> String {
        fn walk(section: &Section, outcomes: &[Outcome], depth: usize, out: &mut String) {
            let indent = "  ".repeat(depth);
            let _ = writeln!(
                out,
                "{indent}{} {}: {}",
                section.number,
                section.title,
                counts_text(&section.counts(outcomes))
            );
            for (number, control) in &section.items {
                if let Some(outcome) = outcomes.iter().find(|o| &o.control.id == control) {
                    let counts: Vec<(Status, usize)> = Status::ALL.iter().map(|&s| (s, outcome.count(s))).collect();
                    let _ = writeln!(out, "{indent}  {number:<8} {control}: {}", counts_text(&counts));
                }
            }
            for child in &section.sections {
                walk(child, outcomes, depth + 1, out);
            }
        }
        let mut out = format!("{} {}\n", self.id, self.title);
        for section in &self.sections {
            walk(section, outcomes, 1, &mut out);
        }
        out
    }

    /// The tree with counts, for the JSON report.
    pub fn document(&self, outcomes: &[Outcome]) -> Value {
        fn section(s: &Section, outcomes: &[Outcome]) -> Value {
            let counts: serde_json::Map<String, Value> =
                s.counts(outcomes).into_iter().map(|(status, n)| (status.to_string(), json!(n))).collect();
            json!({
                "number": s.number,
                "title": s.title,
                "counts": counts,
                "items": s.items.iter().map(|(number, control)| json!({"number": number, "control": control})).collect::<Vec<_>>(),
                "sections": s.sections.iter().map(|child| section(child, outcomes)).collect::<Vec<_>>(),
            })
        }
        json!({
            "id": self.id,
            "title": self.title,
            "sections": self.sections.iter().map(|s| section(s, outcomes)).collect::<Vec<_>>(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::sources;

    #[test]
    fn every_builtin_benchmark_item_names_a_builtin_control() {
        let controls: BTreeSet<String> = sources::load(&[]).unwrap().controls.into_iter().map(|c| c.id).collect();
        let benchmarks = builtin().unwrap();
        assert!(benchmarks.iter().any(|b| b.id == "cis_v300"));
        for benchmark in &benchmarks {
            let ids = benchmark.control_ids();
            assert!(!ids.is_empty(), "{}", benchmark.id);
            for id in ids {
                assert!(controls.contains(&id), "{} names {id}, which is no built-in control", benchmark.id);
            }
        }
    }

    #[test]
    fn benchmarks_and_their_controls_tags_agree() {
        fn items(section: &Section, into: &mut BTreeSet<(String, String)>) {
            into.extend(section.items.iter().cloned());
            section.sections.iter().for_each(|child| items(child, into));
        }
        let controls = sources::load(&[]).unwrap().controls;
        let benchmarks = builtin().unwrap();
        for benchmark in &benchmarks {
            let Some(key) = &benchmark.tag else { continue };
            let mut listed = BTreeSet::new();
            benchmark.sections.iter().for_each(|section| items(section, &mut listed));
            let prefix = format!("{key}:");
            let tagged: BTreeSet<(String, String)> = controls
                .iter()
                .flat_map(|c| c.tags.iter().filter_map(|t| Some((t.strip_prefix(&prefix)?.to_string(), c.id.clone()))))
                .collect();
            assert_eq!(
                listed.symmetric_difference(&tagged).collect::<Vec<_>>(),
                Vec::<&(String, String)>::new(),
                "{}: items and `{key}:` tags differ",
                benchmark.id
            );
        }
        assert_eq!(benchmarks.iter().filter(|b| b.tag.is_some()).count(), 2, "cis_v300 and fsbp");
    }
}
