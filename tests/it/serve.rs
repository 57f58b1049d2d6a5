//! `cove serve` with real Postgres clients against the seeded organization: tokio-postgres
//! (simple and extended protocol) and psql, each test with a server of its own.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use pgwire::tokio::tokio_rustls::TlsConnector;
use pgwire::tokio::tokio_rustls::rustls;
use pgwire::tokio::tokio_rustls::rustls::crypto::aws_lc_rs;
use pgwire::tokio::tokio_rustls::rustls::pki_types::pem::PemObject;
use pgwire::tokio::tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::Type;
use tokio_postgres::{AsyncMessage, Client, NoTls, SimpleQueryMessage};

use crate::harness::{Faults, Request, command, faulty_endpoint, org, recorded};

/// A `cove serve` child process, killed when dropped.
struct Server {
    child: Child,
    address: String,
    /// Its requests to AWS are recorded under this id.
    app_id: String,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    fn start(env: &[(&str, &str)]) -> Server {
        Server::start_with(&["--listen", "127.0.0.1:0"], env).expect("cove serve starts")
    }

    /// Starts `cove serve ARGS`; Err with its stderr if it exits instead.
    fn start_with(args: &[&str], env: &[(&str, &str)]) -> Result<Server, (i32, String)> {
        let mut all = vec!["--org", "--regions", "us-east-1,eu-west-1", "serve"];
        all.extend_from_slice(args);
        let (mut command, app_id) = command(&all, env);
        let mut child = command.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("run cove serve");
        let stderr = Arc::new(Mutex::new(String::new()));
        let (listening, address) = std::sync::mpsc::channel();
        let lines = BufReader::new(child.stderr.take().expect("stderr"));
        let log = stderr.clone();
        std::thread::spawn(move || {
            for line in lines.lines().map_while(Result::ok) {
                // Logged before the address is told, so the banner is in the log once it is.
                log.lock().unwrap().push_str(&format!("{line}\n"));
                if let Some(rest) = line.strip_prefix("cove serve: listening on ") {
                    let _ = listening.send(rest.split_whitespace().next().unwrap_or_default().to_string());
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(address) = address.recv_timeout(Duration::from_millis(100)) {
                return Ok(Server { child, address, app_id, stderr });
            }
            if let Ok(Some(status)) = child.try_wait() {
                std::thread::sleep(Duration::from_millis(200));
                let stderr = stderr.lock().unwrap().clone();
                return Err((status.code().unwrap_or(-1), stderr));
            }
            assert!(Instant::now() < deadline, "cove serve did not listen within 60 s: {}", stderr.lock().unwrap());
        }
    }

    fn connection_string(&self) -> String {
        let (host, port) = self.address.rsplit_once(':').expect("host:port");
        format!("host={host} port={port} user=cove dbname=cove")
    }

    /// A client, and the notices the server sends it.
    async fn client(&self) -> (Client, Arc<Mutex<Vec<String>>>) {
        let (client, mut connection) =
            tokio_postgres::connect(&self.connection_string(), NoTls).await.expect("connect to cove serve");
        let notices = Arc::new(Mutex::new(Vec::new()));
        let heard = notices.clone();
        tokio::spawn(async move {
            let mut messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
            while let Some(Ok(message)) = messages.next().await {
                if let AsyncMessage::Notice(notice) = message {
                    heard.lock().unwrap().push(format!("{}: {}", notice.severity(), notice.message()));
                }
            }
        });
        (client, notices)
    }

    fn log(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    fn requests(&self) -> Vec<Request> {
        recorded(&self.app_id)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What `COPY ... TO STDOUT` sends, as text.
async fn copy_out(client: &Client, sql: &str) -> String {
    let chunks = client.copy_out(sql).await.unwrap();
    let bytes = chunks
        .try_fold(Vec::new(), |mut all, chunk| async move {
            all.extend_from_slice(&chunk);
            Ok(all)
        })
        .await
        .unwrap();
    String::from_utf8(bytes).unwrap()
}

fn db_message(error: &tokio_postgres::Error) -> &str {
    error.as_db_error().map_or("", |e| e.message())
}

fn calls(requests: &[Request], operation: &str) -> usize {
    requests.iter().filter(|r| r.operation == operation).count()
}

fn instances_of(member: &str) -> Vec<String> {
    let org = org();
    let mut ids: Vec<String> = ["us-east-1", "eu-west-1"]
        .iter()
        .flat_map(|region| org.member(member)["instances"][region].as_array().expect("instances").clone())
        .map(|i| i["id"].as_str().expect("instance id").to_string())
        .collect();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread")]
async fn the_simple_and_extended_protocols_answer_from_the_estate() {
    let server = Server::start(&[]);
    let (client, _) = server.client().await;

    // Prepared once, run with two parameters; the filter reaches the scan: each runs in
    // its account's two regions only.
    let dev = org().id("dev");
    let statement = client
        .prepare("SELECT instance_id FROM aws_ec2_instance WHERE account_id = $1 ORDER BY instance_id")
        .await
        .unwrap();
    for member in ["dev", "prod"] {
        let rows = client.query(&statement, &[&org().id(member)]).await.unwrap();
        let got: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
        assert_eq!(got, instances_of(member));
    }
    assert_eq!(calls(&server.requests(), "DescribeInstances"), 4);

    let messages = client.simple_query("SELECT 1 AS one; SELECT count(*) AS n FROM aws_ec2_instance").await.unwrap();
    let values: Vec<&str> = messages
        .iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(row) => row.get(0),
            _ => None,
        })
        .collect();
    assert_eq!(values, ["1", "14"], "{messages:?}");

    // A JSON column arrives as JSON, typed parameters as the types they are.
    let row = client
        .query_one(
            "SELECT tags, instance_state, $2::bigint + 1 AS next FROM aws_ec2_instance \
             WHERE account_id = $1 AND region = 'us-east-1' ORDER BY instance_id LIMIT 1",
            &[&dev, &41i64],
        )
        .await
        .unwrap();
    let tags: serde_json::Value = row.get("tags");
    assert_eq!(tags["Owner"], "team-dev", "{tags}");
    assert!(["running", "stopped"].contains(&row.get::<_, &str>("instance_state")));
    assert_eq!(row.get::<_, i64>("next"), 42);

    // COPY ... TO STDOUT sends the rows to the client, as text here.
    let copy =
        format!("COPY (SELECT instance_id FROM aws_ec2_instance WHERE account_id = '{dev}' ORDER BY 1) TO STDOUT");
    let copied: Vec<String> = copy_out(&client, &copy).await.lines().map(str::to_string).collect();
    assert_eq!(copied, instances_of("dev"));

    // A portal read a few rows at a time, as JDBC's fetch size and named cursors do.
    let mut client = client;
    let transaction = client.transaction().await.unwrap();
    let sql = "SELECT instance_id FROM aws_ec2_instance ORDER BY instance_id";
    let portal = transaction.bind(sql, &[]).await.unwrap();
    let first = transaction.query_portal(&portal, 5).await.unwrap();
    let rest = transaction.query_portal(&portal, 100).await.unwrap();
    assert_eq!((first.len(), first.len() + rest.len()), (5, 14));
    transaction.commit().await.unwrap();

    let log = server.log();
    assert!(log.contains("this machine only") && log.contains("read-only"), "{log}");
    let line = log.lines().find(|l| l.contains("| SELECT tags, instance_state")).expect("a log line per query");
    assert!(line.starts_with("serve: 127.0.0.1:") && line.contains("ok: 1 row in"), "{line}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_statement_is_an_error_and_the_connection_goes_on() {
    let server = Server::start(&[]);
    let (client, _) = server.client().await;
    let code = |e: tokio_postgres::Error| e.code().cloned();
    let syntax = client.simple_query("SELEC 1").await.unwrap_err();
    assert_eq!(code(syntax), Some(SqlState::SYNTAX_ERROR));
    let table = client.query("SELECT * FROM aws_nothing", &[]).await.unwrap_err();
    assert_eq!(code(table), Some(SqlState::UNDEFINED_TABLE));
    let column = client.query("SELECT nope FROM aws_ec2_instance", &[]).await.unwrap_err();
    assert_eq!(code(column), Some(SqlState::UNDEFINED_COLUMN));
    let row = client.query_one("SELECT 2 + 2 AS four", &[]).await.unwrap();
    assert_eq!(row.get::<_, i64>(0), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn nothing_over_the_wire_writes() {
    let dir = std::env::temp_dir().join(format!("cove-serve-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("out.csv");
    let server = Server::start(&[]);
    let (client, _) = server.client().await;
    for sql in [
        format!("COPY (SELECT 1) TO '{}'", file.display()),
        format!("CREATE EXTERNAL TABLE x STORED AS CSV LOCATION '{}'", file.display()),
        "CREATE TABLE t AS SELECT 1".to_string(),
        "CREATE VIEW v AS SELECT 1".to_string(),
        "INSERT INTO aws_ec2_instance (instance_id) VALUES ('i-1')".to_string(),
        "DROP TABLE aws_ec2_instance".to_string(),
        "COPY aws_ec2_instance FROM STDIN".to_string(),
    ] {
        let error = client.simple_query(&sql).await.expect_err(&sql);
        assert_eq!(error.code(), Some(&SqlState::READ_ONLY_SQL_TRANSACTION), "{sql}: {error:?}");
    }
    assert!(!file.exists());
    std::fs::remove_dir_all(dir).unwrap();
    // The table is still there, and the session settings clients send are answered.
    client.simple_query("BEGIN; SET application_name = 'notebook'; COMMIT").await.unwrap();
    let shown = client.query_one("SHOW application_name", &[]).await.unwrap();
    assert_eq!(shown.get::<_, &str>(0), "notebook");
    let isolation = client.simple_query("SHOW TRANSACTION ISOLATION LEVEL").await.unwrap();
    let row = isolation.iter().find_map(|m| match m {
        SimpleQueryMessage::Row(row) => row.get(0),
        _ => None,
    });
    assert_eq!(row, Some("read committed"));
    client.query_one("SELECT count(*) FROM aws_ec2_instance", &[]).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn copy_to_stdout_writes_values_as_postgres_does() {
    let server = Server::start(&[]);
    let (client, _) = server.client().await;
    // CSV: an empty string is quoted, NULL is not; quotes and delimiters are quoted.
    let values = "SELECT '' AS e, NULL AS n, 'a,b' AS c, 'say \"hi\"' AS q";
    let csv = copy_out(&client, &format!("COPY ({values}) TO STDOUT WITH (FORMAT csv, HEADER)")).await;
    assert_eq!(csv, "e,n,c,q\n\"\",,\"a,b\",\"say \"\"hi\"\"\"\n");
    // Text: control characters and backslashes escaped, NULL as \N.
    let values = "SELECT concat('a', chr(9), 'b', chr(10), 'c\\d') AS t, NULL AS n";
    let text = copy_out(&client, &format!("COPY ({values}) TO STDOUT")).await;
    assert_eq!(text, "a\\tb\\nc\\\\d\t\\N\n");
    // A table's columns, as psql's `\copy TABLE to FILE` asks.
    let ids = copy_out(&client, "COPY aws_ec2_instance (instance_id) TO STDOUT").await;
    assert_eq!(ids.lines().count(), 14);
    // What would not read back is refused.
    let refused = client.copy_out("COPY (SELECT 1) TO STDOUT WITH (FORMAT csv, DELIMITER '\"')").await.err().unwrap();
    assert_eq!(refused.code(), Some(&SqlState::INVALID_PARAMETER_VALUE), "{refused:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn settings_transactions_and_parameters_behave_as_in_postgres() {
    let server = Server::start(&[]);
    let (client, _) = server.client().await;
    let show = async |name: &str| client.query_one(&format!("SHOW {name}"), &[]).await.unwrap().get::<_, String>(0);

    // A setting that changes how answers are written takes cove's way only.
    let refused = client.simple_query("SET client_encoding = 'LATIN1'").await.unwrap_err();
    assert_eq!(refused.code(), Some(&SqlState::INVALID_PARAMETER_VALUE), "{refused:?}");
    client.simple_query("SET DateStyle = 'ISO, DMY'; SET application_name = 'grafana'").await.unwrap();
    assert_eq!(show("datestyle").await, "ISO, DMY");
    client.simple_query("RESET DateStyle").await.unwrap();
    assert_eq!(show("DateStyle").await, "ISO, MDY");
    assert_eq!(show("application_name").await, "grafana");
    client.simple_query("DISCARD ALL").await.unwrap();
    assert_eq!(show("application_name").await, "");
    client.simple_query("SET DateStyle = 'ISO, YMD'; SET DateStyle TO DEFAULT").await.unwrap();
    assert_eq!(show("DateStyle").await, "ISO, MDY");
    let unknown = client.simple_query("RESET no_such_setting").await.unwrap_err();
    assert_eq!(unknown.code(), Some(&SqlState::UNDEFINED_OBJECT), "{unknown:?}");
    let inside = client.simple_query("BEGIN; DISCARD ALL").await.unwrap_err();
    assert_eq!(inside.code(), Some(&SqlState::ACTIVE_SQL_TRANSACTION), "{inside:?}");
    client.simple_query("ROLLBACK").await.unwrap();

    // An error inside a transaction fails it, even in the message that began it, until
    // it ends.
    let error = client.simple_query("BEGIN; SELECT nope FROM aws_ec2_instance").await.unwrap_err();
    assert_eq!(error.code(), Some(&SqlState::UNDEFINED_COLUMN));
    let aborted = client.query("SELECT 1", &[]).await.unwrap_err();
    assert_eq!(aborted.code(), Some(&SqlState::IN_FAILED_SQL_TRANSACTION), "{aborted:?}");
    client.simple_query("COMMIT").await.unwrap();
    assert_eq!(client.query_one("SELECT 1", &[]).await.unwrap().get::<_, i64>(0), 1);

    // A parameter the statement skips keeps the others in their places.
    let statement = client.prepare("SELECT $1::text AS a, $3::bigint AS c").await.unwrap();
    let types = statement.params();
    assert_eq!((types.len(), &types[0], &types[2]), (3, &Type::TEXT, &Type::INT8), "{types:?}");
    let beyond = client.prepare("SELECT $70000::text").await.unwrap_err();
    assert_eq!(beyond.code(), Some(&SqlState::UNDEFINED_PARAMETER), "{beyond:?}");

    // Every statement has its line in the log, SET and SHOW too.
    let log = server.log();
    assert!(log.lines().any(|l| l.contains(": ok | RESET DateStyle")), "{log}");
    assert!(log.lines().any(|l| l.contains(": ok | SHOW application_name")), "{log}");
}

#[tokio::test(flavor = "multi_thread")]
async fn target_failures_reach_the_client_as_a_warning_and_in_its_own_cove_errors() {
    let staging = org().id("staging");
    let endpoint = faulty_endpoint(Faults { deny_assume_role: vec![staging.clone()], ..Faults::default() });
    let server = Server::start(&[("AWS_ENDPOINT_URL", &endpoint)]);
    let (client, notices) = server.client().await;
    let (other, _) = server.client().await;
    let rows = client.query("SELECT instance_id FROM aws_ec2_instance", &[]).await.unwrap();
    assert_eq!(rows.len(), 14 - instances_of("staging").len());
    let notices = notices.lock().unwrap().clone();
    assert!(
        notices.iter().any(|n| n.starts_with("WARNING: 2 target scans failed") && n.contains("cove_errors")),
        "{notices:?}"
    );
    let errors = client.query("SELECT DISTINCT account_id, error_code FROM cove_errors", &[]).await.unwrap();
    let errors: Vec<(String, String)> = errors.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(errors, [(staging, "AccessDenied".to_string())]);
    // Another client's last query had no failures.
    other.query("SELECT 1", &[]).await.unwrap();
    assert!(other.query("SELECT * FROM cove_errors", &[]).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn two_clients_at_once_share_one_scan() {
    let server = Server::start(&[]);
    let (first, _) = server.client().await;
    let (second, _) = server.client().await;
    let sql = "SELECT account_id, count(*) FROM aws_iam_role GROUP BY account_id";
    let (a, b) = tokio::join!(first.query(sql, &[]), second.query(sql, &[]));
    let count = |rows: Vec<tokio_postgres::Row>| {
        let mut counts: Vec<(String, i64)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
        counts.sort();
        counts
    };
    let (a, b) = (count(a.unwrap()), count(b.unwrap()));
    assert!(!a.is_empty());
    assert_eq!(a, b);
    // One ListRoles per account: the second query waited for the first one's scan.
    assert_eq!(calls(&server.requests(), "ListRoles"), 4, "{:?}", server.requests());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancel_request_ends_a_slow_query() {
    // EC2 answers slowly; everything else (the estate's discovery) at once.
    let endpoint = faulty_endpoint(Faults { delay: Duration::from_secs(10), ..Faults::default() });
    let server = Server::start(&[("AWS_ENDPOINT_URL_EC2", &endpoint)]);
    let (client, _) = server.client().await;
    let cancel = client.cancel_token();
    let started = Instant::now();
    let query = client.query("SELECT count(*) FROM aws_ec2_instance", &[]);
    // A cancel that arrives before the query starts is ignored, as Postgres ignores it:
    // ask until the query ends.
    let canceller = async {
        loop {
            tokio::time::sleep(Duration::from_millis(500)).await;
            cancel.cancel_query(NoTls).await.unwrap();
        }
    };
    let answer = tokio::select! {
        answer = query => answer,
        () = canceller => unreachable!("the canceller never ends"),
    };
    assert_eq!(answer.unwrap_err().code(), Some(&SqlState::QUERY_CANCELED));
    assert!(started.elapsed() < Duration::from_secs(10), "cancelled before EC2 answered: {:?}", started.elapsed());
    // The connection goes on, and the log says what happened.
    assert_eq!(client.query_one("SELECT 1", &[]).await.unwrap().get::<_, i64>(0), 1);
    assert!(server.log().contains(": cancelled: "), "{}", server.log());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_hangs_up_mid_query_abandons_it() {
    let endpoint = faulty_endpoint(Faults { delay: Duration::from_secs(3), ..Faults::default() });
    let server = Server::start(&[("AWS_ENDPOINT_URL_EC2", &endpoint)]);
    let (client, connection) = tokio_postgres::connect(&server.connection_string(), NoTls).await.unwrap();
    let connection = tokio::spawn(connection);
    let query = tokio::time::timeout(Duration::from_millis(800), client.query("SELECT * FROM aws_ec2_instance", &[]));
    assert!(query.await.is_err(), "still running when the client left");
    // The socket closes with the connection, as when a notebook's kernel dies.
    connection.abort();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !server.log().contains("abandoned") && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(server.log().contains("abandoned"), "{}", server.log());
}

#[test]
fn a_network_address_without_a_password_is_refused_at_start() {
    let Err((code, stderr)) = Server::start_with(&["--listen", "0.0.0.0:0"], &[]) else {
        panic!("cove serve listened on every interface without a password");
    };
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("requires a password") && stderr.contains("COVE_SERVE_PASSWORD"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_password_is_checked_with_scram() {
    let server = Server::start_with(&["--listen", "127.0.0.1:0"], &[("COVE_SERVE_PASSWORD", "s3cret pass")]).unwrap();
    let (host, port) = server.address.rsplit_once(':').unwrap();
    let connect = |password: &str| {
        let config = format!("host={host} port={port} user=cove dbname=cove password='{password}'");
        async move { tokio_postgres::connect(&config, NoTls).await.map(|(client, _)| client) }
    };
    let refused = connect("wrong").await.unwrap_err();
    assert_eq!(refused.code(), Some(&SqlState::INVALID_PASSWORD), "{refused:?}");
    let (client, connection) = tokio_postgres::connect(
        &format!("host={host} port={port} user=cove dbname=cove password='s3cret pass'"),
        NoTls,
    )
    .await
    .unwrap();
    tokio::spawn(connection);
    assert_eq!(client.query_one("SELECT 1", &[]).await.unwrap().get::<_, i64>(0), 1);
    assert!(!server.log().contains("s3cret"), "{}", server.log());
}

/// psql, when installed (`.ci/run` installs it): `\dt`, `\d TABLE`, and a WARNING line.
#[test]
fn psql_lists_and_describes_tables() {
    if std::process::Command::new("psql").arg("--version").output().is_err() {
        eprintln!("skipped: psql is not installed");
        return;
    }
    let server = Server::start(&[]);
    let psql = |command: &str| {
        let out = std::process::Command::new("psql")
            .args([&server.connection_string(), "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", command])
            .env_remove("PGPASSWORD")
            .output()
            .expect("run psql");
        assert!(out.status.success(), "psql {command}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let tables = psql("\\dt");
    assert!(tables.lines().any(|l| l == "public|aws_ec2_instance|table|postgres"), "{tables}");
    assert!(tables.lines().any(|l| l.starts_with("public|cove_errors|")), "{tables}");
    let columns = psql("\\d aws_ec2_instance");
    assert!(columns.lines().any(|l| l.starts_with("instance_id|text|")), "{columns}");
    assert!(columns.lines().any(|l| l.starts_with("launch_time|timestamp")), "{columns}");
    let answer = psql("SELECT count(*) FROM aws_s3_bucket");
    assert!(answer.trim().parse::<u32>().is_ok_and(|n| n > 0), "{answer}");
    // \copy saves an answer on the client's side, here as CSV with a header.
    let file = std::env::temp_dir().join(format!("cove-serve-copy-{}.csv", std::process::id()));
    psql(&format!(
        "\\copy (SELECT instance_id, tags FROM aws_ec2_instance ORDER BY 1) to '{}' csv header",
        file.display()
    ));
    let saved = std::fs::read_to_string(&file).unwrap();
    std::fs::remove_file(&file).unwrap();
    let mut lines = saved.lines();
    assert_eq!(lines.next(), Some("instance_id,tags"));
    let ids: Vec<&str> = lines.map(|line| line.split(',').next().unwrap()).collect();
    let mut expected: Vec<String> = ["dev", "staging", "prod"].into_iter().flat_map(instances_of).collect();
    expected.sort();
    assert_eq!(ids, expected, "{saved}");
    assert!(saved.contains(r#""{""Name"":"#), "the JSON column, quoted as CSV quotes it: {saved}");
}

/// A network address with a password and a certificate: psql gets in over TLS with the
/// password, and is turned away without TLS. Needs psql and openssl (`.ci/run` installs psql).
#[test]
fn off_loopback_clients_need_tls_and_the_password() {
    let installed = |tool: &str, arg: &str| std::process::Command::new(tool).arg(arg).output().is_ok();
    if !installed("psql", "--version") || !installed("openssl", "version") {
        eprintln!("skipped: psql or openssl is not installed");
        return;
    }
    let dir = std::env::temp_dir().join(format!("cove-serve-tls-{}", std::process::id()));
    let (certificate, key) = self_signed(&dir);
    let (certificate, key) = (certificate.to_str().unwrap(), key.to_str().unwrap());
    let args = ["--listen", "0.0.0.0:0", "--tls-cert", certificate, "--tls-key", key];
    let server = Server::start_with(&args, &[("COVE_SERVE_PASSWORD", "tls pass")]).unwrap();
    assert!(server.log().contains("reachable from the network") && server.log().contains("TLS required"));
    let psql = |server: &Server, sslmode: &str| {
        let port = server.address.rsplit_once(':').unwrap().1;
        std::process::Command::new("psql")
            .arg(format!("host=127.0.0.1 port={port} user=cove dbname=cove sslmode={sslmode}"))
            .args(["-X", "-A", "-t", "-c", "\\conninfo"])
            .env("PGPASSWORD", "tls pass")
            .output()
            .unwrap()
    };
    let secure = psql(&server, "require");
    assert!(secure.status.success(), "{}", String::from_utf8_lossy(&secure.stderr));
    assert!(String::from_utf8_lossy(&secure.stdout).contains("SSL connection"));
    let plain = psql(&server, "disable");
    assert!(!plain.status.success());
    assert!(String::from_utf8_lossy(&plain.stderr).contains("TLS connections only"), "{plain:?}");
    drop(server);
    // On loopback TLS is offered, not required: psql gets in either way, with SCRAM bound
    // to the TLS channel only when there is one.
    let args = ["--listen", "127.0.0.1:0", "--tls-cert", certificate, "--tls-key", key];
    let server = Server::start_with(&args, &[("COVE_SERVE_PASSWORD", "tls pass")]).unwrap();
    for sslmode in ["require", "disable"] {
        let answer = psql(&server, sslmode);
        assert!(answer.status.success(), "sslmode={sslmode}: {}", String::from_utf8_lossy(&answer.stderr));
    }
    drop(server);
    // A key where the certificate should be stops the server before it listens.
    let (code, stderr) = Server::start_with(&["--tls-cert", key, "--tls-key", key], &[]).err().unwrap();
    assert_eq!(code, 2);
    assert!(stderr.contains("no certificate in it"), "{stderr}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// Statements sqlparser would backtrack over for hours: refused at once, and the server
/// answers the next client as before.
#[tokio::test(flavor = "multi_thread")]
async fn a_statement_too_complex_to_parse_is_refused_at_once() {
    let server = Server::start(&[]);
    let (client, _) = server.client().await;
    let cases = [
        format!("SELECT {}1{}", "CAST(CASE (".repeat(20), ")".repeat(60)),
        format!("SELECT pg_typeof({}1{})", "coalesce(CAST(".repeat(40), " AS int))".repeat(40)),
        // Read by the catalog's parser, which backtracks over every argument.
        format!("SELECT {}-7{} AS pg_x", "abs(".repeat(40), ")".repeat(40)),
    ];
    for sql in &cases {
        let refused = tokio::time::timeout(Duration::from_secs(30), client.simple_query(sql)).await;
        let refused = refused.expect("refused within the guard, not parsed for hours").unwrap_err();
        assert_eq!(refused.code(), Some(&SqlState::SYNTAX_ERROR), "{refused:?}");
        assert!(db_message(&refused).contains("too complex to parse"), "{refused:?}");
    }
    // Forty nested calls are no trouble at all.
    let nested = format!("SELECT {}-7{} AS n", "abs(".repeat(40), ")".repeat(40));
    assert_eq!(client.query_one(&nested, &[]).await.unwrap().get::<_, i64>(0), 7);
    let (other, _) = server.client().await;
    assert_eq!(other.query_one("SELECT 1", &[]).await.unwrap().get::<_, i64>(0), 1);
}

/// Planning runs off the server's async workers: while one client's statement is slow to
/// plan, others connect and are answered, and its statement_timeout ends it.
#[tokio::test(flavor = "multi_thread")]
async fn a_statement_slow_to_plan_holds_up_no_one_and_times_out() {
    let server = Server::start(&[]);
    let (slow, _) = server.client().await;
    slow.simple_query("SET statement_timeout = '2s'").await.unwrap();
    let sum = format!("SELECT {} AS n", vec!["1"; 3000].join(" + "));
    let slow_query = tokio::spawn(async move {
        let answer = slow.simple_query(&sum).await;
        (answer, slow)
    });
    // Two at once, as many as this machine has cores.
    let (second, _) = server.client().await;
    let second_query =
        tokio::spawn(async move { second.simple_query(&format!("SELECT {} AS n", vec!["1"; 3000].join(" + "))).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let asked = Instant::now();
    let (other, _) = tokio::time::timeout(Duration::from_secs(10), server.client()).await.expect("connected");
    let one = other.query_one("SELECT 1", &[]).await.unwrap().get::<_, i64>(0);
    assert_eq!(one, 1);
    assert!(asked.elapsed() < Duration::from_secs(10), "answered while the others plan: {:?}", asked.elapsed());
    let (answer, slow) = tokio::time::timeout(Duration::from_secs(30), slow_query).await.expect("timed out").unwrap();
    let error = answer.unwrap_err();
    assert_eq!(error.code(), Some(&SqlState::QUERY_CANCELED), "{error:?}");
    assert!(db_message(&error).contains("statement timeout"), "{error:?}");
    // The connection goes on.
    assert_eq!(slow.query_one("SELECT 2", &[]).await.unwrap().get::<_, i64>(0), 2);
    second_query.abort();
}

#[tokio::test(flavor = "multi_thread")]
async fn statement_timeout_ends_a_slow_query_and_has_a_server_default() {
    let endpoint = faulty_endpoint(Faults { delay: Duration::from_secs(6), ..Faults::default() });
    let dir = std::env::temp_dir().join(format!("cove-serve-timeout-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.toml");
    std::fs::write(&config, "[serve]\nstatement_timeout = \"1s\"\n").unwrap();
    let server = Server::start_with(
        &["--listen", "127.0.0.1:0", "--config", config.to_str().unwrap()],
        &[("AWS_ENDPOINT_URL_EC2", &endpoint)],
    )
    .unwrap();
    let (client, _) = server.client().await;
    let show = |messages: Vec<SimpleQueryMessage>| {
        let row = messages.iter().find_map(|m| if let SimpleQueryMessage::Row(row) = m { Some(row) } else { None });
        row.expect("a row").get(0).unwrap().to_string()
    };
    assert_eq!(show(client.simple_query("SHOW statement_timeout").await.unwrap()), "1s");
    let started = Instant::now();
    let error = client.query("SELECT count(*) FROM aws_ec2_instance", &[]).await.unwrap_err();
    assert_eq!(error.code(), Some(&SqlState::QUERY_CANCELED), "{error:?}");
    assert!(db_message(&error).contains("statement timeout"), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(6), "ended before EC2 answered: {:?}", started.elapsed());
    let deadline = Instant::now() + Duration::from_secs(5);
    while !server.log().contains("timed out (statement_timeout)") && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(server.log().contains("timed out (statement_timeout)"), "{}", server.log());

    for bad in ["soon", "10000000000000000000s"] {
        let bad = client.simple_query(&format!("SET statement_timeout = '{bad}'")).await.unwrap_err();
        assert_eq!(bad.code(), Some(&SqlState::INVALID_PARAMETER_VALUE), "{bad:?}");
    }
    client.simple_query("SET statement_timeout = 0").await.unwrap();
    assert_eq!(show(client.simple_query("SHOW statement_timeout").await.unwrap()), "0");
    client.simple_query("RESET statement_timeout").await.unwrap();
    assert_eq!(show(client.simple_query("SHOW statement_timeout").await.unwrap()), "1s");

    std::fs::write(&config, "[serve]\nstatement_timeout = \"soon\"\n").unwrap();
    let Err((code, stderr)) = Server::start_with(&["--config", config.to_str().unwrap()], &[]) else {
        panic!("a bad statement_timeout was accepted");
    };
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("statement_timeout \"soon\" under [serve] is not a duration"), "{stderr}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn clients_beyond_max_connections_are_refused_until_one_leaves() {
    let dir = std::env::temp_dir().join(format!("cove-serve-max-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.toml");
    std::fs::write(&config, "[serve]\nmax_connections = 2\n").unwrap();
    let endpoint = faulty_endpoint(Faults { delay: Duration::from_secs(10), ..Faults::default() });
    let server = Server::start_with(
        &["--listen", "127.0.0.1:0", "--config", config.to_str().unwrap()],
        &[("AWS_ENDPOINT_URL_EC2", &endpoint)],
    )
    .unwrap();
    let (first, _) = server.client().await;
    let (second, _) = server.client().await;
    let refused = tokio_postgres::connect(&server.connection_string(), NoTls).await.map(|_| ()).unwrap_err();
    assert_eq!(refused.code(), Some(&SqlState::TOO_MANY_CONNECTIONS), "{refused:?}");
    // A cancel request, which comes on a connection of its own, still reaches a query.
    let cancel = second.cancel_token();
    let canceller = async {
        loop {
            tokio::time::sleep(Duration::from_millis(500)).await;
            cancel.cancel_query(NoTls).await.unwrap();
        }
    };
    let answer = tokio::select! {
        answer = second.query("SELECT count(*) FROM aws_ec2_instance", &[]) => answer,
        () = canceller => unreachable!("the canceller never ends"),
    };
    assert_eq!(answer.unwrap_err().code(), Some(&SqlState::QUERY_CANCELED));
    drop(first);
    let deadline = Instant::now() + Duration::from_secs(10);
    let third = loop {
        match tokio_postgres::connect(&server.connection_string(), NoTls).await {
            Ok((client, connection)) => {
                tokio::spawn(connection);
                break client;
            }
            Err(e) if Instant::now() < deadline && e.code() == Some(&SqlState::TOO_MANY_CONNECTIONS) => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("{e:?}"),
        }
    };
    assert_eq!(third.query_one("SELECT 3", &[]).await.unwrap().get::<_, i64>(0), 3);
    std::fs::remove_dir_all(dir).unwrap();
}

/// SCRAM's channel binding cannot be stripped (RFC 5802 §6, RFC 5929): over TLS the server
/// offers SCRAM-SHA-256-PLUS, so a client-first message saying "y" (the client could bind
/// but was told the server cannot, which only a man in the middle taking -PLUS off the offer
/// explains) is refused, as are -PLUS without TLS or without binding data, and binding data
/// with the plain mechanism. Needs openssl.
#[tokio::test(flavor = "multi_thread")]
async fn scram_refuses_a_channel_binding_downgrade() {
    if std::process::Command::new("openssl").arg("version").output().is_err() {
        eprintln!("skipped: openssl is not installed");
        return;
    }
    let dir = std::env::temp_dir().join(format!("cove-serve-binding-{}", std::process::id()));
    let (certificate, key) = self_signed(&dir);
    let (certificate_path, key_path) = (certificate.to_str().unwrap(), key.to_str().unwrap());
    let args = ["--listen", "127.0.0.1:0", "--tls-cert", certificate_path, "--tls-key", key_path];
    let server = Server::start_with(&args, &[("COVE_SERVE_PASSWORD", "bound pass")]).unwrap();
    let tls = tls_connector(&certificate);
    std::fs::remove_dir_all(dir).unwrap();
    const PLAIN: &str = "SCRAM-SHA-256";
    const PLUS: &str = "SCRAM-SHA-256-PLUS";
    let bound = "p=tls-server-end-point,,";
    // Over TLS, the mechanism, the GS2 header, whether the server goes on.
    let cases = [
        (true, PLUS, bound, true),
        // A client that cannot bind at all.
        (true, PLAIN, "n,,", true),
        (false, PLAIN, "n,,", true),
        // Told the truth: without TLS nothing can be bound, and -PLUS is not offered.
        (false, PLAIN, "y,,", true),
        (true, PLAIN, "y,,", false),
        (true, PLAIN, bound, false),
        (false, PLAIN, bound, false),
        (false, PLUS, bound, false),
        (true, PLUS, "n,,", false),
        (true, PLUS, "y,,", false),
        (true, PLUS, "p=tls-unique,,", false),
    ];
    for (secure, mechanism, gs2, accepted) in cases {
        let (offered, answer) = client_first(&server, secure.then_some(&tls), mechanism, gs2).await;
        assert_eq!(offered, if secure { vec![PLAIN, PLUS] } else { vec![PLAIN] });
        match answer {
            Ok(()) => assert!(accepted, "TLS {secure}, {mechanism} with {gs2:?} was accepted"),
            Err((code, message)) => {
                assert!(!accepted, "TLS {secure}, {mechanism} with {gs2:?} was refused: {message}");
                assert_eq!(code, "08P01", "{message}");
            }
        }
    }
    // A real client binds end to end: psql, told to insist on channel binding.
    if std::process::Command::new("psql").arg("--version").output().is_ok() {
        let port = server.address.rsplit_once(':').unwrap().1;
        let bound = std::process::Command::new("psql")
            .arg(format!("host=127.0.0.1 port={port} user=cove dbname=cove sslmode=require channel_binding=require"))
            .args(["-X", "-A", "-t", "-c", "SELECT 1"])
            .env("PGPASSWORD", "bound pass")
            .output()
            .unwrap();
        assert!(bound.status.success(), "{}", String::from_utf8_lossy(&bound.stderr));
    }
}

/// Bytes sent in plain text after the SSLRequest, before the TLS handshake, are not the
/// client's over TLS, whoever sent them (CVE-2021-23214 in Postgres): pgwire took them as
/// the first messages of the TLS session. Needs openssl.
#[tokio::test(flavor = "multi_thread")]
async fn bytes_sent_before_the_tls_handshake_are_refused() {
    if std::process::Command::new("openssl").arg("version").output().is_err() {
        eprintln!("skipped: openssl is not installed");
        return;
    }
    let dir = std::env::temp_dir().join(format!("cove-serve-injected-{}", std::process::id()));
    let (certificate, key) = self_signed(&dir);
    let args =
        ["--listen", "127.0.0.1:0", "--tls-cert", certificate.to_str().unwrap(), "--tls-key", key.to_str().unwrap()];
    let server = Server::start_with(&args, &[]).unwrap();
    let tls = tls_connector(&certificate);
    std::fs::remove_dir_all(dir).unwrap();
    // A man in the middle's session: its own startup packet, then a query.
    let injected = [startup_packet(), message(b'Q', b"SELECT count(*) FROM aws_ec2_instance\0")].concat();
    // Proof that the handshake takes them, so the refusal below is theirs: a client that
    // sends nothing early gets in.
    for early in [&b""[..], &injected] {
        let mut socket = TcpStream::connect(&server.address).await.unwrap();
        socket.write_all(&[&SSL_REQUEST[..], early].concat()).await.unwrap();
        let mut answer = [0];
        socket.read_exact(&mut answer).await.unwrap();
        assert_eq!(&answer, b"S");
        let name = ServerName::try_from("localhost").unwrap();
        let mut wire: Box<dyn Wire> = Box::new(tls.connect(name, socket).await.unwrap());
        wire.write_all(&startup_packet()).await.unwrap();
        if early.is_empty() {
            receive_until(&mut *wire, b'Z').await;
        } else {
            let (code, message) = refusal(&mut *wire).await;
            assert_eq!((code.as_str(), message.as_str()), ("08P01", "received unencrypted data after SSL request"));
        }
    }
    assert!(!server.log().contains("SELECT count(*)"), "{}", server.log());
}

/// pgwire's own loop answered a FATAL error with ReadyForQuery and read on, so a query sent
/// after a refused authentication ran. The connection ends at the refusal.
#[tokio::test(flavor = "multi_thread")]
async fn a_client_refused_at_authentication_cannot_go_on_to_query() {
    let server = Server::start_with(&["--listen", "127.0.0.1:0"], &[("COVE_SERVE_PASSWORD", "pass")]).unwrap();
    let mut wire = raw(&server, None).await;
    receive_until(&mut *wire, b'R').await;
    let unknown = message(b'p', &[&b"PLAIN\0"[..], &(-1i32).to_be_bytes()].concat());
    let query = message(b'Q', b"SELECT count(*) FROM aws_ec2_instance\0");
    wire.write_all(&[unknown, query].concat()).await.unwrap();
    assert_eq!(refusal(&mut *wire).await.0, "08P01");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(calls(&server.requests(), "DescribeInstances"), 0, "{}", server.log());
    assert!(!server.log().contains("SELECT count(*)"), "{}", server.log());
}

/// Messages no client should send, each on a connection of its own. pgwire's decoders
/// read past a message's end, and panicked the connection's task when the bytes ran out.
/// Each is a protocol violation: FATAL 08P01, the connection closed, one line in the log,
/// and the server goes on serving.
#[tokio::test(flavor = "multi_thread")]
async fn malformed_messages_are_refused_as_protocol_violations() {
    let length = |n: i32| n.to_be_bytes();
    let scram = b"SCRAM-SHA-256\0";
    // Before authentication, where SCRAM reads the SASLInitialResponse.
    let before = [
        ("a password message shorter than its length field", b"p\0\0\0\0".to_vec()),
        ("a SASLInitialResponse without its data's length", message(b'p', scram)),
        (
            "a SASLInitialResponse whose data runs past its end",
            message(b'p', &[&scram[..], &length(100), b"n,,n=,r=x"].concat()),
        ),
        ("a SASLInitialResponse with a negative data length", message(b'p', &[&scram[..], &length(-2)].concat())),
    ];
    let count = |n: u16| n.to_be_bytes();
    let after = [
        ("a Parse without its parameter count", message(b'P', b"\0SELECT 1\0")),
        (
            "a Bind whose parameter runs past its end",
            message(b'B', &[&b"\0\0"[..], &count(0), &count(1), &length(100), b"abc"].concat()),
        ),
        ("a Bind without its format codes", message(b'B', &[&b"\0\0"[..], &count(3)].concat())),
        ("a Describe without its target", message(b'D', b"")),
        ("a Close without its target", message(b'C', b"")),
        ("an Execute without its row limit", message(b'E', b"\0")),
        ("copy data shorter than its length field", b"d\0\0\0\0".to_vec()),
        ("a Sync with a body", message(b'S', b"x")),
        ("a negative length", b"Q\xff\xff\xff\xff".to_vec()),
        ("an unknown message type", message(b'z', b"")),
    ];
    let guarded = Server::start_with(&["--listen", "127.0.0.1:0"], &[("COVE_SERVE_PASSWORD", "pass")]).unwrap();
    let open = Server::start(&[]);
    for (server, shapes, ready) in [(&guarded, &before[..], b'R'), (&open, &after[..], b'Z')] {
        for (shape, bytes) in shapes {
            let mut wire = raw(server, None).await;
            receive_until(&mut *wire, ready).await;
            wire.write_all(bytes).await.unwrap();
            let (code, message) = refusal(&mut *wire).await;
            assert_eq!(code, "08P01", "{shape}: {message}");
        }
        // One line each, printed before the client was told, and read from the server's
        // stderr in a thread of its own.
        let lines = || {
            let log = server.log();
            let lines = log.lines().filter(|l| l.contains("connection closed") && l.contains("08P01")).count();
            (lines, log)
        };
        let deadline = Instant::now() + Duration::from_secs(5);
        while lines().0 < shapes.len() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let (count, log) = lines();
        assert_eq!(count, shapes.len(), "{log}");
        assert!(!log.contains("panicked"), "{log}");
    }
    let (client, _) = open.client().await;
    assert_eq!(client.query_one("SELECT 1", &[]).await.unwrap().get::<_, i64>(0), 1);
}

/// A certificate for localhost and its key, made with openssl in `dir`; rustls takes the
/// certificate as its own root (a leaf, not a CA: webpki refuses a CA as an end entity).
fn self_signed(dir: &Path) -> (PathBuf, PathBuf) {
    std::fs::create_dir_all(dir).unwrap();
    let (certificate, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let made = std::process::Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=DNS:localhost", "-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&certificate)
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    (certificate, key)
}

/// A hand-written frontend, for the bytes no well-behaved client sends: one connection,
/// plain or TLS, that has sent its startup packet for user cove.
trait Wire: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Wire for T {}

async fn raw(server: &Server, tls: Option<&TlsConnector>) -> Box<dyn Wire> {
    let mut socket = TcpStream::connect(&server.address).await.unwrap();
    let mut wire: Box<dyn Wire> = match tls {
        None => Box::new(socket),
        Some(connector) => {
            socket.write_all(&SSL_REQUEST).await.unwrap();
            let mut answer = [0];
            socket.read_exact(&mut answer).await.unwrap();
            assert_eq!(&answer, b"S", "the server takes TLS");
            let name = ServerName::try_from("localhost").unwrap();
            Box::new(connector.connect(name, socket).await.unwrap())
        }
    };
    wire.write_all(&startup_packet()).await.unwrap();
    wire
}

/// Its length and the code 1234.5679.
const SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];

/// Protocol 3.0, then the parameters.
fn startup_packet() -> Vec<u8> {
    let body = [&0x0003_0000i32.to_be_bytes()[..], b"user\0cove\0database\0cove\0\0"].concat();
    [&(body.len() as i32 + 4).to_be_bytes()[..], &body].concat()
}

/// A TLS client that trusts `certificate` alone.
fn tls_connector(certificate: &Path) -> TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from_pem_file(certificate).unwrap()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

/// One message as the wire frames it: its type, its length (itself included), its body.
fn message(kind: u8, body: &[u8]) -> Vec<u8> {
    [&[kind][..], &(body.len() as i32 + 4).to_be_bytes(), body].concat()
}

/// The next message from the server, its type and body; None once it has closed the
/// connection. A server that neither answers nor closes within 10 s fails the test.
async fn receive(wire: &mut dyn Wire) -> Option<(u8, Vec<u8>)> {
    let read = async {
        let mut header = [0; 5];
        wire.read_exact(&mut header).await.ok()?;
        let length = i32::from_be_bytes(header[1..].try_into().unwrap());
        let mut body = vec![0; usize::try_from(length - 4).unwrap()];
        wire.read_exact(&mut body).await.ok()?;
        Some((header[0], body))
    };
    tokio::time::timeout(Duration::from_secs(10), read).await.expect("the server answers or closes within 10 s")
}

/// Reads until a message of type `kind` (skipping ParameterStatus and the like) and
/// returns its body; a connection closed first fails the test with what came before.
async fn receive_until(wire: &mut dyn Wire, kind: u8) -> Vec<u8> {
    let mut seen = Vec::new();
    loop {
        match receive(wire).await {
            Some((got, body)) if got == kind => return body,
            Some((got, body)) => seen.push((char::from(got), String::from_utf8_lossy(&body).into_owned())),
            None => panic!("closed before a {:?} message, after {seen:?}", char::from(kind)),
        }
    }
}

/// The server's last word on a connection it refuses: an ErrorResponse, FATAL, then the
/// connection closed. Returns the SQLSTATE and the message.
async fn refusal(wire: &mut dyn Wire) -> (String, String) {
    let error = receive_until(wire, b'E').await;
    fatal(wire, &error).await
}

/// The SQLSTATE and message of the ErrorResponse `error`, which must be FATAL and the
/// connection closed after it.
async fn fatal(wire: &mut dyn Wire, error: &[u8]) -> (String, String) {
    let fields: Vec<(u8, String)> = error
        .split(|&b| b == 0)
        .filter(|field| !field.is_empty())
        .map(|field| (field[0], String::from_utf8_lossy(&field[1..]).into_owned()))
        .collect();
    let field = |code: u8| fields.iter().find(|(c, _)| *c == code).map(|(_, v)| v.clone()).unwrap_or_default();
    assert_eq!(field(b'S'), "FATAL", "{fields:?}");
    assert!(receive(wire).await.is_none(), "the connection stays open after {fields:?}");
    (field(b'C'), field(b'M'))
}

/// The mechanisms the server offers after the startup packet, and its answer to a
/// SASLInitialResponse of `mechanism` whose client-first message begins with the GS2
/// header `gs2`: Ok if it goes on to its server-first message, else the refusal.
async fn client_first(
    server: &Server,
    tls: Option<&TlsConnector>,
    mechanism: &str,
    gs2: &str,
) -> (Vec<String>, Result<(), (String, String)>) {
    let mut wire = raw(server, tls).await;
    let offer = receive_until(&mut *wire, b'R').await;
    assert_eq!(offer[..4], 10i32.to_be_bytes(), "AuthenticationSASL");
    let offered =
        offer[4..].split(|&b| b == 0).filter(|m| !m.is_empty()).map(|m| String::from_utf8_lossy(m).into()).collect();
    let first = format!("{gs2}n=,r=fyko+d2lbbFgONRv9qkxdawL");
    let body = [mechanism.as_bytes(), b"\0", &(first.len() as i32).to_be_bytes(), first.as_bytes()].concat();
    wire.write_all(&message(b'p', &body)).await.unwrap();
    let answer = match receive(&mut *wire).await {
        Some((b'R', body)) if body[..4] == 11i32.to_be_bytes() => Ok(()),
        Some((b'E', error)) => Err(fatal(&mut *wire, &error).await),
        other => panic!("neither SASLContinue nor an error: {other:?}"),
    };
    (offered, answer)
}
