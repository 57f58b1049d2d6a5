//! The shell: statements piped on stdin, and an interactive session under a terminal.

use std::time::{Duration, Instant};

use rexpect::session::{PtySession, spawn_command};

use crate::harness::{Faults, command, cove_with_input, faulty_endpoint, org};

#[test]
fn piped_statements_and_meta_commands_run_in_order() {
    let input = "\
SELECT name
  FROM aws_iam_user
 WHERE name = 'erin';
.output csv
SELECT 'a,b' AS quoted, 42 AS answer;
SELECT * FROM aws_nope;
.bogus
.errors
SELECT count(*) AS n FROM aws_iam_user;
";
    let run = cove_with_input(&["--org"], input);
    assert_eq!(run.code, 2, "errors make a script exit non-zero: {}", run.stderr);
    assert!(run.stdout.starts_with("+------+\n| name |\n+------+\n| erin |\n+------+\n(1 row)\n"), "{}", run.stdout);
    assert!(run.stdout.contains("quoted,answer\n\"a,b\",42\n"), "{}", run.stdout);
    assert!(run.stdout.contains("no failures in the last query\n"), "{}", run.stdout);
    assert!(run.stdout.ends_with("n\n6\n"), "the statement after the errors still ran: {}", run.stdout);
    let errors: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(errors.len(), 2, "{}", run.stderr);
    assert!(errors[0].contains("aws_nope") && errors[1].contains(".bogus"), "{}", run.stderr);
    assert!(!run.stdout.contains("cove>"), "no prompt in a pipe");
}

#[test]
fn a_script_of_good_statements_exits_zero_and_reuses_cached_scans() {
    let input =
        ".timing on\nSELECT count(*) FROM aws_ec2_instance;\nSELECT count(*) FROM aws_ec2_instance;\n.cache clear\n";
    let run = cove_with_input(&["--org", "--regions", "us-east-1"], input);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.calls("DescribeInstances").len(), 4, "the second run is answered from the cache");
    let timing: Vec<&str> = run.stderr.lines().collect();
    assert!(timing[0].contains("4 scans") || timing[0].contains("ec2:DescribeInstances x4"), "{timing:?}");
    assert!(timing[1].contains("0 API calls") && timing[1].contains("4 scans from cache"), "{timing:?}");
    assert!(run.stdout.contains("forgot 4 cached scan(s)"), "{}", run.stdout);
}

fn shell(env: &[(&str, &str)], args: &[&str]) -> PtySession {
    let (mut cmd, _) = command(args, env);
    cmd.env("XDG_STATE_HOME", std::env::temp_dir().join(format!("cove-shell-{}", std::process::id())));
    let mut session = spawn_command(cmd, Some(30_000)).expect("spawn the shell");
    session.exp_string("cove> ").expect("a prompt");
    session
}

#[test]
fn an_interactive_session_completes_spans_lines_and_quits() {
    org();
    let mut s = shell(&[], &["--org"]);
    // Multi-line: nothing runs until the `;`.
    s.send_line("SELECT 40 + 2").unwrap();
    s.send_line("  AS answer;").unwrap();
    s.exp_string("| 42     |").expect("the multi-line statement ran");
    s.exp_string("cove> ").unwrap();
    // Tab completes the table name.
    s.send("SELECT count(*) AS users FROM aws_iam_u").unwrap();
    s.send("\t").unwrap();
    s.send_line(";").unwrap();
    s.exp_string("aws_iam_user").expect("completed");
    s.exp_string("| 6     |").expect("the completed statement ran");
    s.exp_string("cove> ").unwrap();
    s.send_line(".quit").unwrap();
    s.exp_eof().expect("the shell left");
}

#[test]
fn ctrl_c_cancels_a_slow_query_and_the_shell_goes_on() {
    org();
    // Every request to AWS takes 4 s: start-up takes one, the query several.
    let endpoint = faulty_endpoint(Faults { delay: Duration::from_secs(4), ..Faults::default() });
    let mut s = shell(&[("AWS_ENDPOINT_URL", &endpoint)], &[]);
    s.send_line("SELECT count(*) FROM aws_ec2_instance;").unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let cancelled_at = Instant::now();
    s.send_control('c').unwrap();
    s.exp_string("query cancelled").expect("cancelled");
    s.exp_string("cove> ").expect("the prompt is back");
    assert!(cancelled_at.elapsed() < Duration::from_secs(4), "back before the slow call could have answered");
    s.send_line("SELECT 'still here' AS status;").unwrap();
    s.exp_string("still here").expect("the next query runs");
    // Ctrl-C at the prompt clears the line; Ctrl-D leaves.
    s.send("SELECT 'never run'").unwrap();
    s.send_control('c').unwrap();
    s.exp_string("cove> ").unwrap();
    // Let the editor take the terminal back after the interrupted line.
    std::thread::sleep(Duration::from_millis(300));
    s.send_control('d').unwrap();
    s.exp_eof().expect("Ctrl-D leaves");
}
