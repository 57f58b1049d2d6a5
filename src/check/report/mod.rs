//! A check run's findings as a person or a CI system reads them.

use std::fmt::Write;

use serde_json::{Value, json};

use super::baseline::{Changes, changes};
use super::benchmark::Benchmark;
use super::control::Control;
use super::runner::{Change, Finding, Outcome, Status};
use super::siem::{self, Stamp};
use crate::output::{Format, printable};

mod html;

/// A finished check run, as the reports need it.
pub struct Run<'a> {
    pub outcomes: &'a [Outcome],
    /// Its alarms were compared with a baseline.
    pub compared: bool,
    /// When and where, for ASFF and OCSF.
    pub stamp: Stamp,
    /// The benchmarks run, whose trees the table and JSON reports show with counts.
    pub benchmarks: &'a [Benchmark],
}

pub fn render(format: Format, run: &Run) -> Result<String, String> {
    let (outcomes, compared) = (run.outcomes, run.compared);
    let pretty = |value: &Value| serde_json::to_string_pretty(value).map(|text| text + "\n").map_err(|e| e.to_string());
    Ok(match format {
        Format::Table => table(outcomes, compared, false) + &benchmark_summaries(run),
        Format::Brief => table(outcomes, compared, true),
        Format::Markdown => markdown_report(outcomes, compared),
        Format::Csv => csv(outcomes)?,
        Format::Json => {
            let mut document = document(outcomes, compared);
            if !run.benchmarks.is_empty() {
                let trees: Vec<Value> = run.benchmarks.iter().map(|b| b.document(outcomes)).collect();
                document["benchmarks"] = Value::Array(trees);
            }
            pretty(&document)?
        }
        Format::Asff => pretty(&siem::asff(outcomes, &run.stamp))?,
        Format::Ocsf => pretty(&siem::ocsf(outcomes, &run.stamp))?,
        Format::Junit => junit(outcomes),
        Format::Html => html::html(run),
        Format::Ndjson | Format::Line | Format::Parquet => {
            return Err(format!("a check report is not written as {format}"));
        }
    })
}

/// `ok 12, alarm 3, ...` over all outcomes.
pub fn totals(outcomes: &[Outcome]) -> String {
    let parts: Vec<String> =
        Status::ALL.iter().map(|&s| format!("{s} {}", outcomes.iter().map(|o| o.count(s)).sum::<usize>())).collect();
    format!("{} control{}: {}", outcomes.len(), if outcomes.len() == 1 { "" } else { "s" }, parts.join(", "))
}

/// Each benchmark's tree with counts per section and item.
fn benchmark_summaries(run: &Run) -> String {
    run.benchmarks.iter().map(|b| format!("\n{}", b.summary(run.outcomes))).collect()
}

/// `new 2, unchanged 5, resolved 1, not checked 0`: alarms against the baseline.
pub fn baseline_totals(outcomes: &[Outcome]) -> String {
    let Changes { new, unchanged, resolved, not_checked } = changes(outcomes);
    format!("against the baseline: new {new}, unchanged {unchanged}, resolved {resolved}, not checked {not_checked}")
}

/// What a finding adds to its reason: whether it is new, why it is muted.
fn annotation(finding: &Finding) -> String {
    let mut notes = Vec::new();
    if finding.change == Some(Change::New) {
        notes.push("new".to_string());
    }
    if let Some(muted) = &finding.muted {
        notes.push(format!("muted until {}: {}", muted.expires, muted.reason));
    }
    notes.iter().map(|n| format!(" [{n}]")).collect()
}

fn counts(outcome: &Outcome) -> String {
    Status::ALL
        .iter()
        .filter_map(|&s| Some(outcome.count(s)).filter(|n| *n > 0).map(|n| format!("{s} {n}")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Grouped by control; the findings that need attention are listed, the rest counted.
/// `brief`: only the controls with something to attend to, and no counts of the rest.
fn table(outcomes: &[Outcome], compared: bool, brief: bool) -> String {
    let mut out = String::new();
    let line = |out: &mut String, label: &str, f: &Finding| {
        let name = f.account_name.as_deref().unwrap_or_default();
        let place = [name, f.account_id.as_str(), f.region.as_str()].join(" ");
        let (resource, reason) = (printable(&f.resource), printable(&format!("{}{}", f.reason, annotation(f))));
        let _ = writeln!(out, "  {label:<8}  {resource}  {reason}  ({})", printable(place.trim()));
    };
    for outcome in outcomes {
        let c = &outcome.control;
        let needs_attention = outcome.count(Status::Alarm) + outcome.count(Status::Error) > 0;
        if brief && !needs_attention {
            continue;
        }
        let _ =
            writeln!(out, "{} [{}] {}", printable(&c.id), c.severity.to_string().to_uppercase(), printable(&c.title));
        let attention = |f: &&Finding| match brief {
            true => matches!(f.status, Status::Alarm | Status::Error),
            false => matches!(f.status, Status::Alarm | Status::Muted | Status::Error),
        };
        for f in outcome.findings.iter().filter(attention) {
            line(&mut out, &f.status.name().to_uppercase(), f);
        }
        if brief {
            out.push('\n');
            continue;
        }
        for f in &outcome.resolved {
            line(&mut out, "RESOLVED", f);
        }
        let summary = counts(outcome);
        let _ = writeln!(out, "  {}\n", if summary.is_empty() { "no resources".to_string() } else { summary });
    }
    let _ = writeln!(out, "{}", totals(outcomes));
    if compared {
        let _ = writeln!(out, "{}", baseline_totals(outcomes));
    }
    out
}

fn csv(outcomes: &[Outcome]) -> Result<String, String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header = [
        "control_id",
        "title",
        "severity",
        "status",
        "resource",
        "reason",
        "account_id",
        "region",
        "change",
        "muted_reason",
        "muted_until",
        "account_name",
        "ou_path",
    ];
    writer.write_record(header).map_err(|e| e.to_string())?;
    for outcome in outcomes {
        let c = &outcome.control;
        for f in &outcome.findings {
            let severity = c.severity.to_string();
            let status = f.status.name();
            let change = match f.change {
                Some(Change::New) => "new",
                Some(Change::Unchanged) => "unchanged",
                None => "",
            };
            let (muted_reason, muted_until) = f.muted.as_ref().map_or(("", ""), |m| (&m.reason, &m.expires));
            let record: [&str; 13] = [
                &c.id,
                &c.title,
                &severity,
                status,
                &f.resource,
                &f.reason,
                &f.account_id,
                &f.region,
                change,
                muted_reason,
                muted_until,
                f.account_name.as_deref().unwrap_or_default(),
                f.ou_path.as_deref().unwrap_or_default(),
            ];
            writer.write_record(record).map_err(|e| e.to_string())?;
        }
    }
    String::from_utf8(writer.into_inner().map_err(|e| e.to_string())?).map_err(|e| e.to_string())
}

/// For a pull request comment or a wiki page: totals, a table of the controls with
/// something to attend to, and their alarms and errors.
fn markdown_report(outcomes: &[Outcome], compared: bool) -> String {
    let mut out = format!("## cove check\n\n{}\n", totals(outcomes));
    if compared {
        let _ = writeln!(out, "\n{}", baseline_totals(outcomes));
    }
    let attention: Vec<&Outcome> =
        outcomes.iter().filter(|o| o.count(Status::Alarm) + o.count(Status::Error) > 0).collect();
    if attention.is_empty() {
        out.push_str("\nNothing alarms.\n");
        return out;
    }
    out.push_str("\n| Control | Severity | Alarms | Errors | Title |\n|---|---|---|---|---|\n");
    for o in &attention {
        let c = &o.control;
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} |",
            c.id,
            c.severity,
            o.count(Status::Alarm),
            o.count(Status::Error),
            markdown_text(&c.title)
        );
    }
    for o in attention {
        let c = &o.control;
        let _ = writeln!(out, "\n### `{}` {}\n", c.id, markdown_text(&c.title));
        for f in o.findings.iter().filter(|f| matches!(f.status, Status::Alarm | Status::Error)) {
            let place = [f.account_id.as_str(), f.region.as_str()].join(" ");
            let _ = writeln!(
                out,
                "- **{}** {}: {} ({})",
                f.status,
                markdown_code(&f.resource),
                markdown_text(&format!("{}{}", f.reason, annotation(f))),
                markdown_text(place.trim())
            );
        }
        if let Some(remediation) = &c.remediation {
            let _ = writeln!(out, "\nFix: {}", markdown_code(remediation));
        }
    }
    out
}

/// Text from AWS as Markdown text: HTML and Markdown syntax escaped, so a tag value renders
/// as itself (never a `<script>`, an image or a link), on one line, so it cannot end a
/// table cell or a list item.
fn markdown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push_str(&printable(c.encode_utf8(&mut [0; 4]))),
        }
    }
    out
}

/// Text as a Markdown code span, inert whatever it holds: its fence is longer than any run
/// of backticks inside, so nothing in it is read as HTML or Markdown.
fn markdown_code(text: &str) -> String {
    let text = printable(text);
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{text}{pad}{fence}")
}

fn metadata(c: &Control) -> Value {
    json!({
        "id": c.id,
        "title": c.title,
        "severity": c.severity.to_string(),
        "remediation": c.remediation,
        "tags": c.tags,
        "source": c.source,
    })
}

fn document(outcomes: &[Outcome], compared: bool) -> Value {
    let mut summary: serde_json::Map<String, Value> = Status::ALL
        .iter()
        .map(|&s| (s.to_string(), json!(outcomes.iter().map(|o| o.count(s)).sum::<usize>())))
        .collect();
    if compared {
        let Changes { new, unchanged, resolved, not_checked } = changes(outcomes);
        let counts = json!({"new": new, "unchanged": unchanged, "resolved": resolved, "not_checked": not_checked});
        summary.insert("baseline".into(), counts);
    }
    let controls: Vec<Value> = outcomes
        .iter()
        .map(|o| {
            let mut control = metadata(&o.control);
            let counts: serde_json::Map<String, Value> =
                Status::ALL.iter().map(|&s| (s.to_string(), json!(o.count(s)))).collect();
            control["counts"] = Value::Object(counts);
            control["results"] = json!(o.findings);
            if compared {
                control["resolved"] = json!(o.resolved);
                control["not_checked"] = json!(o.not_checked);
            }
            control
        })
        .collect();
    json!({"summary": summary, "controls": controls})
}

/// Text in XML or HTML, as content or an attribute value: what XML 1.0 forbids (NUL, most
/// control characters, U+FFFE) written as visible escapes, so a parser takes the whole file.
/// Tabs and line ends are XML, and lay out a benchmark's tree.
fn xml(text: &str) -> String {
    let mut visible = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\t' | '\n' | '\r' => visible.push(c),
            c => visible.push_str(&printable(c.encode_utf8(&mut [0; 4]))),
        }
    }
    visible
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// One testsuite per control, one testcase per resource: alarm is a failure, error an
/// error, skip skipped.
fn junit(outcomes: &[Outcome]) -> String {
    let sum = |s: Status| outcomes.iter().map(|o| o.count(s)).sum::<usize>();
    let tests: usize = outcomes.iter().map(|o| o.findings.len()).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"cove check\" tests=\"{tests}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
        sum(Status::Alarm),
        sum(Status::Error),
        sum(Status::Skip) + sum(Status::Muted)
    );
    for o in outcomes {
        let c = &o.control;
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
            xml(&c.id),
            o.findings.len(),
            o.count(Status::Alarm),
            o.count(Status::Error),
            o.count(Status::Skip) + o.count(Status::Muted)
        );
        let _ = writeln!(
            out,
            "    <properties><property name=\"title\" value=\"{}\"/><property name=\"severity\" value=\"{}\"/></properties>",
            xml(&c.title),
            c.severity
        );
        for f in &o.findings {
            let name = xml(format!("{} {} {}", f.resource, f.account_id, f.region).trim());
            let _ = write!(out, "    <testcase classname=\"{}\" name=\"{name}\"", xml(&c.id));
            match f.status {
                Status::Alarm => {
                    let _ =
                        writeln!(out, "><failure message=\"{}\" type=\"{}\"/></testcase>", xml(&f.reason), c.severity);
                }
                Status::Error => {
                    let _ = writeln!(out, "><error message=\"{}\"/></testcase>", xml(&f.reason));
                }
                Status::Skip => {
                    let _ = writeln!(out, "><skipped message=\"{}\"/></testcase>", xml(&f.reason));
                }
                Status::Muted => {
                    let note = format!("muted: {}{}", f.reason, annotation(f));
                    let _ = writeln!(out, "><skipped message=\"{}\"/></testcase>", xml(&note));
                }
                Status::Ok | Status::Info => {
                    let _ = writeln!(out, "><system-out>{}: {}</system-out></testcase>", f.status, xml(&f.reason));
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// docs/controls.md: every control of `controls`, and how to write your own.
pub fn markdown(controls: &[Control], benchmarks: &[Benchmark]) -> String {
    let mut out = String::from(
        "# Controls\n\nGenerated by `cove check --list --markdown`; do not edit by hand.\n\n\
         `cove check` runs these built-in controls (or your own, see the end of this page) across \
         the accounts and regions in scope. Each returns one row per resource with a status: \
         `ok`, `alarm`, `skip`, `info` or `error`.\n\n\
         | id | severity | title | tables |\n|---|---|---|---|\n",
    );
    for c in controls {
        let tables: std::collections::BTreeSet<&str> = c
            .sql
            .split(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
            .filter(|w| w.starts_with("aws_"))
            .collect();
        let tables = tables.into_iter().collect::<Vec<_>>().join(", ");
        let _ = writeln!(out, "| [{id}](#{id}) | {} | {} | {tables} |", c.severity, c.title, id = c.id);
    }
    for b in benchmarks {
        let _ = write!(out, "\n## Benchmark {}\n\n{}: `cove check {}`\n\n```\n{}```\n", b.id, b.title, b.id, b.tree());
    }
    for c in controls {
        let _ = writeln!(out, "\n## {}\n\n**{}** — severity {}", c.id, c.title, c.severity);
        if !c.tags.is_empty() {
            let _ = writeln!(out, "\nTags: {}", c.tags.join(", "));
        }
        if let Some(remediation) = &c.remediation {
            let _ = writeln!(out, "\nHow to fix: {remediation}");
        }
        for (name, default) in &c.vars {
            let _ = writeln!(out, "\nVariable `{name}` (default `{default}`): `cove check --var {name}=...`");
        }
        let _ = writeln!(out, "\n```sql\n{}\n```", c.sql.trim_end());
    }
    out.push_str(WRITING_YOUR_OWN);
    out
}

const WRITING_YOUR_OWN: &str = r#"
## Writing your own

A control is a `.sql` file: a header of `-- key: value` comments, then one query.

```sql
-- id: ec2_instance_no_t2
-- title: No EC2 instance uses the t2 family
-- severity: low
-- remediation: Move to t3 or t4g.
-- tags: ec2, cost
-- var: family = t2.
SELECT
  arn AS resource,
  CASE WHEN starts_with(instance_type, {{family}}) THEN 'alarm' ELSE 'ok' END AS status,
  instance_id || ' is a ' || instance_type AS reason,
  account_id,
  region
FROM aws_ec2_instance
```

- `id`, `title` and `severity` (`low`, `medium`, `high`, `critical`) are required;
  `remediation`, `tags` and `var` are optional.
- The query returns `resource`, `status` (`ok`, `alarm`, `skip`, `info`, `error`),
  `reason`, `account_id` and `region`. A file whose header or columns are wrong stops the
  run with a message naming the file and line.
- `{{name}}` is replaced by a SQL string literal: the value of `--var name=...`, else the
  `[vars]` table of the config file, else the `-- var:` default. A `--var` no selected
  control uses is warned about.
- Run them with `cove check path/to/file.sql` or `cove check path/to/folder`; mix them
  with the built-in pack by naming it too: `cove check aws my-controls/`. A local file or
  folder named like a built-in pack wins, with a note; `builtin:aws` names the pack.
  Control files are read only as regular files of at most 1 MiB.
"#;
