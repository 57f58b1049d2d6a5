//! A check run's findings as a person or a CI system reads them.

use std::fmt::Write;

use serde_json::{Value, json};

use super::baseline::{Changes, changes};
use super::benchmark::Benchmark;
use super::control::{Control, Severity};
use super::runner::{Change, Finding, Outcome, Status};
use super::siem::{self, Stamp};
use crate::output::{Format, printable};

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
        Format::Html => html(run),
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

/// One self-contained page: a summary, then a section per control, with a text filter and
/// status toggles that work without any network access.
fn html(run: &Run) -> String {
    let (outcomes, compared) = (run.outcomes, run.compared);
    let mut out = String::from(HTML_HEAD);
    let _ = writeln!(out, "<h1>cove check</h1>\n<p class=\"totals\">{}</p>", xml(&totals(outcomes)));
    if compared {
        let _ = writeln!(out, "<p class=\"totals\">{}</p>", xml(&baseline_totals(outcomes)));
    }
    at_a_glance(run, &mut out);
    out.push_str(
        "<p class=\"filters\"><input id=\"filter\" placeholder=\"filter resources, reasons, accounts\" size=\"50\">",
    );
    for status in Status::ALL {
        let checked = if status == Status::Ok { "" } else { " checked" };
        let _ = write!(
            out,
            " <label><input type=\"checkbox\" class=\"status\" value=\"{status}\"{checked}> {status}</label>"
        );
    }
    out.push_str("</p>\n<table class=\"summary\"><tr><th>control</th><th>severity</th><th>title</th>");
    for status in Status::ALL {
        let _ = write!(out, "<th>{status}</th>");
    }
    out.push_str("</tr>\n");
    for o in outcomes {
        let c = &o.control;
        let _ = write!(
            out,
            "<tr><td><a href=\"#{id}\">{id}</a></td><td class=\"sev-{sev}\">{sev}</td><td>{title}</td>",
            id = xml(&c.id),
            sev = c.severity,
            title = xml(&c.title)
        );
        for status in Status::ALL {
            let _ = write!(out, "<td class=\"n {status}\">{}</td>", o.count(status));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
    for o in outcomes {
        let c = &o.control;
        let _ = writeln!(
            out,
            "<section id=\"{}\"><h2>{} <span class=\"sev-{}\">{}</span></h2><p>{}</p>",
            xml(&c.id),
            xml(&c.title),
            c.severity,
            c.severity,
            xml(&c.id)
        );
        if let Some(remediation) = &c.remediation {
            let _ = writeln!(out, "<p class=\"fix\">Fix: {}</p>", xml(remediation));
        }
        out.push_str("<table class=\"findings\"><tr><th>status</th><th>resource</th><th>reason</th><th>account</th><th>region</th></tr>\n");
        for f in &o.findings {
            let _ = writeln!(
                out,
                "<tr class=\"finding {s}\" data-status=\"{s}\"><td class=\"{s}\">{s}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                xml(&f.resource),
                xml(&format!("{}{}", f.reason, annotation(f))),
                xml(&f.account_id),
                xml(&f.region),
                s = f.status.name()
            );
        }
        out.push_str("</table></section>\n");
    }
    out.push_str(HTML_TAIL);
    out
}

/// What a security lead reads first: unmuted alarms by severity, a heat map of alarms per
/// account and control (or benchmark section), and the benchmark trees with counts.
fn at_a_glance(run: &Run, out: &mut String) {
    let outcomes = run.outcomes;
    out.push_str("<div class=\"glance\">");
    for severity in [Severity::Critical, Severity::High, Severity::Medium, Severity::Low] {
        let alarms: usize =
            outcomes.iter().filter(|o| o.control.severity == severity).map(|o| o.count(Status::Alarm)).sum();
        let _ = write!(out, "<div class=\"tile sev-{severity}\"><b>{alarms}</b> {severity}</div>");
    }
    out.push_str("</div>\n");
    let mut accounts: Vec<(&str, &str)> = outcomes
        .iter()
        .flat_map(|o| &o.findings)
        .filter(|f| !f.account_id.is_empty())
        .map(|f| (f.account_id.as_str(), f.account_name.as_deref().unwrap_or("")))
        .collect();
    accounts.sort_unstable();
    accounts.dedup_by_key(|(id, _)| *id);
    // Columns: a benchmark's top sections when one was run, else the controls that alarm.
    let columns: Vec<(String, Vec<&str>)> = match run.benchmarks.first() {
        Some(benchmark) => benchmark
            .sections
            .iter()
            .map(|s| {
                let controls = s.controls();
                let ids: Vec<&str> = outcomes
                    .iter()
                    .filter(|o| controls.contains(&o.control.id))
                    .map(|o| o.control.id.as_str())
                    .collect();
                (format!("{} {}", s.number, s.title), ids)
            })
            .collect(),
        None => outcomes
            .iter()
            .filter(|o| o.count(Status::Alarm) > 0)
            .map(|o| (o.control.id.clone(), vec![o.control.id.as_str()]))
            .collect(),
    };
    if accounts.is_empty() || columns.is_empty() {
        return;
    }
    out.push_str("<table class=\"heat\"><tr><th>account</th>");
    for (title, _) in &columns {
        let _ = write!(out, "<th>{}</th>", xml(title));
    }
    out.push_str("</tr>\n");
    for (account, name) in accounts {
        let _ = write!(out, "<tr><td>{} {}</td>", xml(account), xml(name));
        for (_, ids) in &columns {
            let alarms = outcomes
                .iter()
                .filter(|o| ids.contains(&o.control.id.as_str()))
                .flat_map(|o| &o.findings)
                .filter(|f| f.account_id == account && f.status == Status::Alarm)
                .count();
            let heat = match alarms {
                0 => "h0",
                1..=2 => "h1",
                3..=9 => "h2",
                _ => "h3",
            };
            let _ = write!(out, "<td class=\"n {heat}\">{alarms}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
    for benchmark in run.benchmarks {
        let _ = writeln!(out, "<pre class=\"tree\">{}</pre>", xml(&benchmark.summary(outcomes)));
    }
}

const HTML_HEAD: &str = r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>cove check</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}
th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
td.n{text-align:right}
.alarm{color:#b00020;font-weight:600}.error{color:#8a4b00;font-weight:600}.ok{color:#1b5e20}
.sev-critical{color:#b00020}.sev-high{color:#d84315}.sev-medium{color:#8a6d00}.sev-low{color:#555}
.fix{font-style:italic}
.glance{display:flex;gap:1rem;margin:1rem 0}.tile{border:1px solid #ddd;border-radius:6px;padding:.5rem 1rem}
.tile b{font-size:1.6rem;display:block}
.heat td.h0{background:#e8f5e9}.heat td.h1{background:#ffe0b2}.heat td.h2{background:#ffab91}.heat td.h3{background:#ef5350;color:#fff}
.tree{background:#f6f6f6;padding:.5rem}
</style></head><body>
"#;

const HTML_TAIL: &str = r#"<script>
function apply(){
  const text=document.getElementById('filter').value.toLowerCase();
  const shown=new Set([...document.querySelectorAll('input.status:checked')].map(e=>e.value));
  for(const row of document.querySelectorAll('tr.finding')){
    row.hidden=!(shown.has(row.dataset.status)&&row.textContent.toLowerCase().includes(text));
  }
}
document.getElementById('filter').addEventListener('input',apply);
for(const box of document.querySelectorAll('input.status')){box.addEventListener('change',apply);}
apply();
</script>
</body></html>
"#;

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
