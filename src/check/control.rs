//! A control: a SQL query with a header of `-- key: value` comments, and where controls
//! come from (the packs built into the binary, or the user's files and folders).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// The columns every control query returns.
pub const REQUIRED_COLUMNS: [&str; 5] = ["resource", "status", "reason", "account_id", "region"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            other => Err(format!("severity '{other}' is not one of low, medium, high, critical")),
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        })
    }
}

/// `--severity high` (exactly) or `--severity high+` (that or worse).
#[derive(Debug, Clone, Copy)]
pub struct SeverityFilter {
    severity: Severity,
    or_worse: bool,
}

impl FromStr for SeverityFilter {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (name, or_worse) = s.strip_suffix('+').map_or((s, false), |n| (n, true));
        Ok(SeverityFilter { severity: name.parse()?, or_worse })
    }
}

impl SeverityFilter {
    pub fn admits(&self, severity: Severity) -> bool {
        severity == self.severity || (self.or_worse && severity > self.severity)
    }
}

#[derive(Debug, Clone)]
pub struct Control {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub remediation: Option<String>,
    pub tags: Vec<String>,
    /// Variables the query uses as `{{name}}`, with their defaults.
    pub vars: BTreeMap<String, String>,
    pub sql: String,
    /// Where it came from: `aws/ec2_ami_public.sql` for built-ins, else the file's path.
    pub source: String,
    /// The line the query starts on, for messages about it.
    pub query_line: usize,
}

impl Control {
    pub fn parse(source: &str, text: &str) -> Result<Control, String> {
        let mut fields: BTreeMap<&str, (usize, String)> = BTreeMap::new();
        let mut vars = BTreeMap::new();
        let mut query_line = 0;
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            let Some(comment) = line.trim().strip_prefix("--") else {
                if line.trim().is_empty() {
                    continue;
                }
                query_line = number;
                break;
            };
            let Some((key, value)) = comment.split_once(':') else {
                return Err(format!("{source}:{number}: a header line is `-- key: value`"));
            };
            let (key, value) = (key.trim(), value.trim().to_string());
            match key {
                "id" | "title" | "severity" | "remediation" | "tags" => {
                    if fields.insert(key, (number, value)).is_some() {
                        return Err(format!("{source}:{number}: `{key}` is given twice"));
                    }
                }
                "var" => {
                    let Some((name, default)) = value.split_once('=') else {
                        return Err(format!("{source}:{number}: a variable is `-- var: name = default`"));
                    };
                    vars.insert(name.trim().to_string(), default.trim().to_string());
                }
                other => {
                    return Err(format!(
                        "{source}:{number}: unknown header `{other}` (id, title, severity, remediation, tags, var)"
                    ));
                }
            }
        }
        let mut take = |key: &str| fields.remove(key);
        let required = |field: Option<(usize, String)>, key: &str| {
            field.filter(|(_, v)| !v.is_empty()).ok_or_else(|| format!("{source}:1: the header has no `-- {key}:`"))
        };
        let (_, id) = required(take("id"), "id")?;
        if !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.') {
            return Err(format!("{source}: the id `{id}` may hold only letters, digits, _ - ."));
        }
        let (_, title) = required(take("title"), "title")?;
        let (line, severity) = required(take("severity"), "severity")?;
        let severity = severity.parse().map_err(|e| format!("{source}:{line}: {e}"))?;
        let remediation = take("remediation").map(|(_, v)| v);
        let tags = take("tags").map(|(_, v)| v.split(',').map(|t| t.trim().to_string()).collect()).unwrap_or_default();
        if query_line == 0 {
            return Err(format!("{source}: there is no query after the header"));
        }
        let sql: String = text.lines().skip(query_line - 1).collect::<Vec<_>>().join("\n");
        Ok(Control { id, title, severity, remediation, tags, vars, sql, source: source.to_string(), query_line })
    }

    /// Whether the control has a variable `name`: a default, or a `{{name}}` in its query.
    pub fn uses(&self, name: &str) -> bool {
        let placeholders = self.sql.split("{{").skip(1).filter_map(|rest| rest.split_once("}}"));
        self.vars.contains_key(name) || placeholders.map(|(inside, _)| inside.trim()).any(|var| var == name)
    }

    /// The query with its variables replaced by SQL string literals: the user's values
    /// where given, else the control's defaults.
    pub fn render(&self, values: &BTreeMap<String, String>) -> Result<String, String> {
        let mut out = String::with_capacity(self.sql.len());
        let mut rest = self.sql.as_str();
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find("}}").ok_or_else(|| format!("{}: an unclosed {{{{", self.source))?;
            let name = rest[start + 2..start + end].trim();
            let value = values.get(name).or_else(|| self.vars.get(name)).ok_or_else(|| {
                format!("{}: the query uses {{{{{name}}}}}, which has no `-- var: {name} = ...` default", self.source)
            })?;
            out.push('\'');
            out.push_str(&value.replace('\'', "''"));
            out.push('\'');
            rest = &rest[start + end + 2..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "-- id: x\n-- title: X\n-- severity: high\n-- var: tags = Owner\n\nSELECT {{tags}} AS t\n";

    #[test]
    fn headers_parse_and_variables_render_as_literals() {
        let control = Control::parse("x.sql", GOOD).unwrap();
        assert_eq!((control.id.as_str(), control.severity, control.query_line), ("x", Severity::High, 6));
        assert_eq!(control.render(&BTreeMap::new()).unwrap(), "SELECT 'Owner' AS t");
        let values = BTreeMap::from([("tags".to_string(), "it's".to_string())]);
        assert_eq!(control.render(&values).unwrap(), "SELECT 'it''s' AS t");
    }

    #[test]
    fn bad_headers_name_the_file_and_line() {
        let err = Control::parse("a.sql", "-- id: x\n-- title: X\n-- severity: huge\nSELECT 1").unwrap_err();
        assert_eq!(err, "a.sql:3: severity 'huge' is not one of low, medium, high, critical");
        let err = Control::parse("a.sql", "-- id: x\n-- owner: me\nSELECT 1").unwrap_err();
        assert!(err.starts_with("a.sql:2: unknown header `owner`"), "{err}");
        let err = Control::parse("a.sql", "-- title: X\n-- severity: low\nSELECT 1").unwrap_err();
        assert_eq!(err, "a.sql:1: the header has no `-- id:`");
    }

    #[test]
    fn severity_filters() {
        let high_or_worse: SeverityFilter = "high+".parse().unwrap();
        assert!(high_or_worse.admits(Severity::Critical) && !high_or_worse.admits(Severity::Medium));
        let medium: SeverityFilter = "medium".parse().unwrap();
        assert!(medium.admits(Severity::Medium) && !medium.admits(Severity::High));
    }
}
