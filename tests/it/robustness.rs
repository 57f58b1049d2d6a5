//! No crash, no hang, no clobbered file: generated queries, bad limits, COPY, silent
//! endpoints and signals. Every wait here has a guard that fails the test instead of
//! hanging it.

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{Faults, cove, cove_with_env, cove_with_input, faulty_endpoint};

struct Ended {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn spawn(args: &[&str], env: &[(&str, &str)]) -> Child {
    let (mut command, _) = crate::harness::command(args, env);
    command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    command.spawn().expect("run cove")
}

/// Waits for `child` at most `limit`; a process still running then is a hang.
fn wait(mut child: Child, limit: Duration) -> Ended {
    let deadline = Instant::now() + limit;
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("cove still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("output");
    Ended {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Waits until `dir` holds `count` entries (the temporary file of an export). A child that
/// never gets there is killed before the test fails, so that no export outlives it.
fn wait_for_entries(child: &mut Child, dir: &Path, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while entries(dir).len() < count {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("no temporary file appeared in {}", dir.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn send(child: &Child, signal: &str) {
    let status = std::process::Command::new("kill").args([&format!("-{signal}"), &child.id().to_string()]).status();
    assert!(status.expect("kill").success());
}

/// A loopback endpoint that accepts connections and never answers.
fn silent_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let endpoint = format!("http://{}", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        let held: Vec<_> = listener.incoming().collect();
        drop(held);
    });
    endpoint
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cove-robust-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).expect("dir").flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

fn one_line_error(stderr: &str, needle: &str) {
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(needle), "{needle:?} not in {stderr}");
    assert!(!stderr.contains("panicked") && !stderr.contains("overflow"), "{stderr}");
}

#[test]
fn generated_queries_with_thousands_of_terms_run() {
    let sum = format!("SELECT {} AS n", vec!["1"; 1200].join(" + "));
    let run = wait(spawn(&["query", "-o", "csv", &sum], &[]), Duration::from_secs(120));
    assert_eq!((run.code, run.stdout.as_str()), (Some(0), "n\n1200\n"), "{}", run.stderr);

    let ids: Vec<String> = (0..2000).map(|i| format!("instance_id = 'i-{i:017x}'")).collect();
    let sql = format!("SELECT count(*) AS n FROM aws_ec2_instance WHERE {}", ids.join(" OR "));
    let run = wait(spawn(&["--regions", "us-east-1", "query", "-o", "csv", &sql], &[]), Duration::from_secs(120));
    assert_eq!((run.code, run.stdout.as_str()), (Some(0), "n\n0\n"), "{}", run.stderr);

    let run = cove_with_input(&[], &format!("{sum};\n"));
    assert_eq!(run.code, 0, "the shell too: {}", run.stderr);
    assert!(run.stdout.contains("1200"), "{}", run.stdout);

    // Past what the planner's stack is sure to hold: one line, before any call.
    let dir = scratch("deeper");
    let deeper = dir.join("deeper.sql");
    std::fs::write(&deeper, format!("SELECT {} AS n", vec!["1"; 50_000].join(" + "))).unwrap();
    let run = wait(spawn(&["query", "-f", deeper.to_str().unwrap()], &[]), Duration::from_secs(60));
    assert_eq!(run.code, Some(2));
    one_line_error(&run.stderr, "is more than cove plans (5000): use IN (...)");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn concurrency_beyond_reason_is_refused() {
    let run = cove(&["--concurrency", "18446744073709551615", "query", "SELECT 1"]);
    assert_eq!(run.code, 2);
    one_line_error(&run.stderr, "--concurrency 18446744073709551615 is out of range");
    let dir = scratch("concurrency");
    let config = dir.join("config.toml");
    std::fs::write(&config, "concurrency = 0\n").unwrap();
    let run = cove(&["--config", config.to_str().unwrap(), "query", "SELECT 1"]);
    assert_eq!(run.code, 2);
    one_line_error(&run.stderr, "out of range");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn copy_says_why_it_cannot_write_and_never_spins() {
    let run = wait(spawn(&["query", "COPY (SELECT 1 AS a) TO '/proc/x.csv'"], &[]), Duration::from_secs(60));
    assert_eq!(run.code, Some(2));
    one_line_error(&run.stderr, "cannot write /proc/x.csv: No such file or directory");

    let dir = scratch("copy-missing");
    let target = dir.join("missing").join("x.csv");
    let run = cove(&["query", &format!("COPY (SELECT 1 AS a) TO '{}'", target.display())]);
    assert_eq!(run.code, 2);
    one_line_error(&run.stderr, "No such file or directory");
    assert!(!dir.join("missing").exists(), "COPY made no directory");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn copy_replaces_the_file_only_with_a_complete_answer() {
    let dir = scratch("copy");
    let target = dir.join("ids.csv");
    std::fs::write(&target, "prev\n").unwrap();
    let copy = format!(
        "COPY (SELECT instance_id FROM aws_ec2_instance WHERE region = 'eu-west-1' ORDER BY 1) TO '{}'",
        target.display()
    );
    let failing = faulty_endpoint(Faults { failing_region: Some("eu-west-1".into()), ..Faults::default() });
    let regions = ["--org", "--regions", "us-east-1,eu-west-1"];
    let run = cove_with_env(&[&regions[..], &["query", &copy]].concat(), &[("AWS_ENDPOINT_URL", &failing)]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("every target of aws_ec2_instance failed"), "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "prev\n");

    let run = cove(&[&regions[..], &["query", &copy]].concat());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(std::fs::read_to_string(&target).unwrap().starts_with("instance_id\ni-"));
    assert_eq!(entries(&dir), ["ids.csv"], "no temporary file left");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn an_aggregate_over_nothing_but_failures_is_no_answer() {
    let dir = scratch("all-failed");
    let out = dir.join("inv.csv");
    std::fs::write(&out, "prev\n").unwrap();
    // Calls signed for eu-west-1 fail, as in a region the account has not enabled.
    let failing = faulty_endpoint(Faults { failing_region: Some("eu-west-1".into()), ..Faults::default() });
    let args = [
        "--regions",
        "us-east-1,eu-west-1",
        "query",
        "--out",
        out.to_str().unwrap(),
        "SELECT count(*) AS n FROM aws_ec2_instance WHERE region = 'eu-west-1'",
    ];
    let run = cove_with_env(&args, &[("AWS_ENDPOINT_URL", &failing)]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("error: every target of aws_ec2_instance failed"), "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "prev\n", "the last good file stays");
    assert_eq!(entries(&dir), ["inv.csv"]);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_silent_endpoint_fails_within_the_call_timeout() {
    let dir = scratch("silent");
    let config = dir.join("config.toml");
    std::fs::write(&config, "call_timeout_seconds = 2\n").unwrap();
    let endpoint = silent_endpoint();
    let args = ["--config", config.to_str().unwrap(), "query", "SELECT 1"];
    let run = wait(spawn(&args, &[("AWS_ENDPOINT_URL", &endpoint)]), Duration::from_secs(60));
    assert_eq!(run.code, Some(2));
    one_line_error(&run.stderr, "occurred after 2s");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn ctrl_c_during_start_up_ends_the_process_and_leaves_nothing() {
    let dir = scratch("sigint");
    let out = dir.join("out.csv");
    let endpoint = silent_endpoint();
    let args = ["query", "--out", out.to_str().unwrap(), "SELECT 1 AS a"];
    let mut child = spawn(&args, &[("AWS_ENDPOINT_URL", &endpoint)]);
    // The temporary file is made once cove listens for signals, before its first call.
    wait_for_entries(&mut child, &dir, 1);
    std::thread::sleep(Duration::from_millis(300));
    send(&child, "INT");
    let run = wait(child, Duration::from_secs(5));
    assert_eq!(run.code, Some(130), "{}", run.stderr);
    assert!(run.stderr.contains("cancelled"), "{}", run.stderr);
    assert!(entries(&dir).is_empty(), "left behind: {:?}", entries(&dir));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn sigterm_and_sighup_during_an_export_leave_the_previous_file() {
    let endpoint = faulty_endpoint(Faults { delay: Duration::from_millis(300), ..Faults::default() });
    for (signal, code) in [("TERM", 143), ("HUP", 129)] {
        let dir = scratch(&format!("signal-{signal}"));
        let out = dir.join("out.csv");
        std::fs::write(&out, "prev\n").unwrap();
        let args = ["--org", "--regions", "us-east-1,eu-west-1", "query", "--out", out.to_str().unwrap()];
        let sql = "SELECT u.name, i.instance_id FROM aws_iam_user u JOIN aws_ec2_instance i USING (account_id)";
        let mut child = spawn(&[&args[..], &[sql]].concat(), &[("AWS_ENDPOINT_URL", &endpoint)]);
        wait_for_entries(&mut child, &dir, 2);
        send(&child, signal);
        let run = wait(child, Duration::from_secs(5));
        assert_eq!(run.code, Some(code), "SIG{signal}: {}", run.stderr);
        assert_eq!(entries(&dir), ["out.csv"], "SIG{signal} left a temporary file");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "prev\n");
        std::fs::remove_dir_all(dir).unwrap();
    }
}

#[test]
fn a_table_shows_a_bounded_number_of_rows_and_counts_the_rest() {
    let sql = "SELECT value FROM generate_series(1, 200000)";
    let run = cove(&["query", sql]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.lines().count() < 1010, "{} lines", run.stdout.lines().count());
    assert!(
        run.stdout
            .ends_with("(200000 rows, the first 1000 shown; raise --maxrows (.maxrows in the shell) or use csv)\n")
    );
    let run = cove(&["query", "--maxrows", "5", sql]);
    assert!(run.stdout.contains("(200000 rows, the first 5 shown;"), "{}", run.stdout);
    let run = cove(&["query", "-o", "csv", sql]);
    assert_eq!(run.stdout.lines().count(), 200_001, "file formats write every row");
    let run = cove_with_input(&[], ".maxrows 2\nSELECT value FROM generate_series(1, 10);\n");
    assert!(run.stdout.contains("(10 rows, the first 2 shown;"), "{}", run.stdout);
}

#[test]
fn control_characters_in_data_reach_the_terminal_escaped() {
    let sql = "SELECT chr(27) || '[2J' || 'gone' AS description, 'a' || chr(10) || 'b' AS tag";
    for format in ["table", "line"] {
        let run = cove(&["query", "-o", format, sql]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(!run.stdout.contains('\u{1b}'), "{format}: a raw escape reached the output");
        assert!(run.stdout.contains("\\u{1b}[2Jgone") && run.stdout.contains("a\\nb"), "{}", run.stdout);
    }
}

#[test]
fn smaller_usage_mistakes_are_named() {
    let run = cove(&["--accounts", "", "query", "SELECT 1"]);
    assert_eq!(run.code, 2);
    one_line_error(&run.stderr, "--accounts names no account");

    let run = cove(&["check", "--control", "ec2_ami_public", "--var", "nope=1"]);
    assert!(run.stderr.contains("warning: --var nope: no selected control uses it"), "{}", run.stderr);
    let run = cove(&["check", "--control", "iam_access_key_rotated", "--var", "max_key_age_days=90"]);
    assert!(!run.stderr.contains("warning"), "a used variable: {}", run.stderr);
}

#[test]
fn a_local_folder_named_like_a_pack_is_used_and_said_so() {
    let dir = scratch("pack-name");
    std::fs::create_dir_all(dir.join("aws")).unwrap();
    let control = "-- id: local_one\n-- title: Local\n-- severity: low\nSELECT 'r' AS resource, 'ok' AS status, \
                   '' AS reason, '' AS account_id, '' AS region\n";
    std::fs::write(dir.join("aws").join("local.sql"), control).unwrap();
    let list = |source: &str| {
        let (mut command, _) = crate::harness::command(&["check", source, "--list"], &[]);
        let out = command.current_dir(&dir).output().expect("run cove");
        (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (stdout, stderr) = list("aws");
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.starts_with("local_one"), "{stdout}");
    assert!(stderr.contains("note: aws is the local folder here, not the built-in pack (name that one builtin:aws)"));
    let (stdout, _) = list("builtin:aws");
    assert!(stdout.lines().count() > 30 && !stdout.contains("local_one"), "{stdout}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn control_folders_are_read_as_regular_files_of_bounded_size() {
    let dir = scratch("endless-control");
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.sql")).unwrap();
    let run = wait(spawn(&["check", dir.to_str().unwrap(), "--list"], &[]), Duration::from_secs(30));
    assert_eq!(run.code, Some(2));
    one_line_error(&run.stderr, "zero.sql: not a regular file");
    std::fs::remove_file(dir.join("zero.sql")).unwrap();
    std::fs::write(dir.join("huge.sql"), "-- ".repeat(1 << 19)).unwrap();
    let run = wait(spawn(&["check", dir.to_str().unwrap(), "--list"], &[]), Duration::from_secs(30));
    one_line_error(&run.stderr, "huge.sql: larger than 1024 KiB");
    assert!(run.stdout.is_empty());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn statements_sqlparser_would_backtrack_over_for_hours_are_refused_at_once() {
    let pathological = [
        format!("SELECT {}1{}", "CAST(CASE (".repeat(20), ")".repeat(60)),
        format!("SELECT {}1{}", "coalesce(CAST(".repeat(40), " AS int))".repeat(40)),
    ];
    for sql in &pathological {
        let run = wait(spawn(&["query", sql], &[]), Duration::from_secs(60));
        assert_eq!(run.code, Some(2));
        one_line_error(&run.stderr, "is too complex to parse");
        let run = cove_with_input(&[], &format!("{sql};\nSELECT 41 + 1 AS n;\n"));
        assert!(run.stderr.contains("too complex to parse"), "the shell too: {}", run.stderr);
        assert!(run.stdout.contains("42"), "and goes on: {}", run.stdout);
    }
    // Nested calls parse in time linear in their depth.
    let nested = format!("SELECT {}-7{} AS n", "abs(".repeat(40), ")".repeat(40));
    let run = wait(spawn(&["query", "-o", "csv", &nested], &[]), Duration::from_secs(60));
    assert_eq!((run.code, run.stdout.as_str()), (Some(0), "n\n7\n"), "{}", run.stderr);
}

#[test]
fn a_signal_ends_a_statement_that_is_slow_to_plan() {
    let dir = scratch("slow-plan");
    let out = dir.join("out.csv");
    let sum = format!("SELECT {} AS n", vec!["1"; 3000].join(" + "));
    let mut child = spawn(&["query", "--out", out.to_str().unwrap(), &sum], &[]);
    wait_for_entries(&mut child, &dir, 1);
    // Past discovery, into planning, which takes far longer than this test waits.
    std::thread::sleep(Duration::from_secs(3));
    send(&child, "TERM");
    let run = wait(child, Duration::from_secs(5));
    assert_eq!(run.code, Some(143), "{}", run.stderr);
    assert!(entries(&dir).is_empty(), "left behind: {:?}", entries(&dir));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn ctrl_c_ends_an_export_in_every_format_and_leaves_the_previous_file() {
    let sql = "SELECT value, repeat('x', 40) AS pad, '{\"a\": [1, 2]}' AS doc FROM generate_series(1, 1000000000)";
    for format in ["csv", "json", "ndjson", "line", "parquet", "table"] {
        let dir = scratch(&format!("ctrl-c-{format}"));
        let out = dir.join("out");
        std::fs::write(&out, "prev\n").unwrap();
        let mut child = spawn(&["query", "-o", format, "--out", out.to_str().unwrap(), sql], &[]);
        wait_for_entries(&mut child, &dir, 2);
        // Well into the export: rows are being written, not planned.
        std::thread::sleep(Duration::from_secs(2));
        send(&child, "INT");
        // A hang guard, not a timing goal (docs/benchmarks.md has how fast it stops): a
        // writer that never looks up took minutes here.
        let run = wait(child, Duration::from_secs(10));
        assert_eq!(run.code, Some(130), "{format}: {}", run.stderr);
        assert_eq!(entries(&dir), ["out"], "{format} left a temporary file");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "prev\n", "{format}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
