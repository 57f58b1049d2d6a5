//! The HTML report: one self-contained page with a summary, a section per control, and a
//! filter that works offline.

use std::fmt::Write;

use super::{Run, annotation, baseline_totals, totals, xml};
use crate::check::control::Severity;
use crate::check::runner::Status;

/// One self-contained page: a summary, then a section per control, with a text filter and
/// status toggles that work without any network access.
pub(super) fn html(run: &Run) -> String {
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
