//! The shell's meta commands, declared once: each one's name, arguments and help, and
//! how its line parses. `.help` and completion are derived from the same list.

use crate::output::{Format, QUERY_FORMATS};

pub enum MetaCommand {
    Tables(Option<String>),
    Inspect(String),
    Output(Format),
    Timing(bool),
    MaxRows(usize),
    Targets,
    Errors,
    CacheClear,
    Help,
    Quit,
}

struct Spec {
    name: &'static str,
    arguments: &'static str,
    help: &'static str,
    parse: fn(Option<&str>) -> Option<Result<MetaCommand, String>>,
}

/// Every meta command, in `.help` order. `parse` answers None when the arguments do not fit.
const COMMANDS: &[Spec] = &[
    Spec {
        name: ".tables",
        arguments: "[FILTER]",
        help: "list tables (whose name contains FILTER)",
        parse: |arg| Some(Ok(MetaCommand::Tables(arg.map(str::to_lowercase)))),
    },
    Spec {
        name: ".inspect",
        arguments: "TABLE",
        help: "columns, key columns and API calls of a table",
        parse: |arg| arg.map(|table| Ok(MetaCommand::Inspect(table.to_lowercase()))),
    },
    Spec {
        name: ".output",
        arguments: "FORMAT",
        help: "table, csv, json, ndjson or line",
        parse: |arg| arg.map(output_format),
    },
    Spec {
        name: ".timing",
        arguments: "on|off",
        help: "after each query: rows, wall time, API calls, cache hits",
        parse: |arg| match arg {
            Some("on") => Some(Ok(MetaCommand::Timing(true))),
            Some("off") => Some(Ok(MetaCommand::Timing(false))),
            _ => None,
        },
    },
    Spec {
        name: ".maxrows",
        arguments: "N",
        help: "rows a table shows (the rest are counted, not held)",
        parse: |arg| match arg.map(str::parse::<usize>) {
            Some(Ok(n)) if n > 0 => Some(Ok(MetaCommand::MaxRows(n))),
            _ => None,
        },
    },
    Spec {
        name: ".targets",
        arguments: "",
        help: "who the shell runs as, the accounts and regions in scope and how each is reached",
        parse: |arg| arg.is_none().then_some(Ok(MetaCommand::Targets)),
    },
    Spec {
        name: ".errors",
        arguments: "",
        help: "the failures of the last query",
        parse: |arg| arg.is_none().then_some(Ok(MetaCommand::Errors)),
    },
    Spec {
        name: ".cache",
        arguments: "clear",
        help: "forget cached scan results",
        parse: |arg| (arg == Some("clear")).then_some(Ok(MetaCommand::CacheClear)),
    },
    Spec { name: ".help", arguments: "", help: "this text", parse: |_| Some(Ok(MetaCommand::Help)) },
    Spec {
        name: ".quit",
        arguments: "",
        help: "leave (or Ctrl-D; also .exit, .q)",
        parse: |_| Some(Ok(MetaCommand::Quit)),
    },
];

/// Other names for `.quit`, as other shells spell it.
const QUIT_ALIASES: [&str; 2] = [".exit", ".q"];

/// The formats the shell prints; Parquet goes to files only.
fn output_format(name: &str) -> Result<MetaCommand, String> {
    match Format::named(name, QUERY_FORMATS)? {
        Format::Parquet => Err("parquet goes to a file: COPY (SELECT ...) TO 'out.parquet'".into()),
        format => Ok(MetaCommand::Output(format)),
    }
}

impl MetaCommand {
    /// Parses a line starting with `.`.
    pub fn parse(line: &str) -> Result<MetaCommand, String> {
        let mut words = line.split_whitespace();
        let name = words.next().unwrap_or_default();
        let argument = words.next();
        let name = if QUIT_ALIASES.contains(&name) { ".quit" } else { name };
        let spec =
            COMMANDS.iter().find(|c| c.name == name).ok_or_else(|| format!("unknown command {name} (see .help)"))?;
        if words.next().is_some() {
            return Err(format!("wrong arguments for {name} (see .help)"));
        }
        (spec.parse)(argument).unwrap_or_else(|| Err(format!("wrong arguments for {name} (see .help)")))
    }

    /// The names, for completion.
    pub fn names() -> impl Iterator<Item = &'static str> {
        COMMANDS.iter().map(|c| c.name)
    }

    pub fn help() -> String {
        let mut text =
            String::from("Statements end with `;` and may span lines. Tab completes keywords, tables and columns.\n");
        for c in COMMANDS {
            text.push_str(&format!("  {:<26}{}\n", format!("{} {}", c.name, c.arguments), c.help));
        }
        text.push_str("Ctrl-C cancels a running query. Export with COPY (SELECT ...) TO 'file.parquet'.\n");
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_parses_and_is_in_the_help() {
        let help = MetaCommand::help();
        for (line, name) in [
            (".tables", ".tables"),
            (".tables iam", ".tables"),
            (".inspect aws_vpc", ".inspect"),
            (".output csv", ".output"),
            (".timing on", ".timing"),
            (".maxrows 50", ".maxrows"),
            (".targets", ".targets"),
            (".errors", ".errors"),
            (".cache clear", ".cache"),
            (".help", ".help"),
            (".quit", ".quit"),
            (".exit", ".quit"),
        ] {
            assert!(MetaCommand::parse(line).is_ok(), "{line}");
            assert!(help.contains(name), "{name}");
        }
        assert_eq!(MetaCommand::names().count(), COMMANDS.len());
    }

    /// The table of meta commands in docs/shell.md, as `COMMANDS` declares them.
    fn markdown() -> String {
        let mut text = String::from("| Command | |\n|---|---|\n");
        for c in COMMANDS {
            let command = format!("{} {}", c.name, c.arguments).trim_end().replace('|', "\\|");
            text.push_str(&format!("| `{command}` | {} |\n", c.help.replace('|', "\\|")));
        }
        text
    }

    #[test]
    fn docs_shell_md_has_the_commands_as_declared() {
        let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/shell.md")).unwrap();
        let table = markdown();
        assert!(docs.contains(&table), "docs/shell.md's table of meta commands is stale; it is:\n{table}");
    }

    #[test]
    fn bad_lines_say_what_is_wrong() {
        let err = |line| MetaCommand::parse(line).err().unwrap_or_default();
        assert_eq!(err(".nope"), "unknown command .nope (see .help)");
        assert_eq!(err(".inspect"), "wrong arguments for .inspect (see .help)");
        assert_eq!(err(".timing maybe"), "wrong arguments for .timing (see .help)");
        assert_eq!(err(".targets x"), "wrong arguments for .targets (see .help)");
        assert!(err(".output xml").starts_with("unknown format 'xml'"));
        assert!(err(".output parquet").starts_with("parquet goes to a file"));
    }
}
