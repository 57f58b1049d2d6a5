//! One moto per test binary, seeded once with the demo organization and treated as
//! read-only; the cove binary run against it; moto's recorder read back per run.

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine as _;
use cove::emulator::{Moto, aws_env};
use serde_json::Value;

pub struct Org {
    pub moto: Moto,
    pub manifest: Value,
}

pub fn org() -> &'static Org {
    // A failed set-up is kept too, so every test fails at once with its reason instead of
    // each trying again.
    static ORG: OnceLock<Result<Org, String>> = OnceLock::new();
    let org = ORG.get_or_init(|| {
        let moto = Moto::start()?;
        let manifest = moto.seed_org()?;
        moto.start_recording()?;
        let manifest = serde_json::from_str(&manifest).map_err(|e| format!("seed manifest: {e}"))?;
        Ok(Org { moto, manifest })
    });
    org.as_ref().unwrap_or_else(|e| panic!("cannot set up the test organization: {e}"))
}

impl Org {
    pub fn members(&self) -> &[Value] {
        self.manifest["members"].as_array().expect("members")
    }

    pub fn member(&self, name: &str) -> &Value {
        self.members().iter().find(|m| m["name"] == name).expect("seeded member")
    }

    pub fn id(&self, name: &str) -> String {
        self.member(name)["id"].as_str().expect("account id").to_string()
    }

    pub fn management(&self) -> String {
        self.manifest["management"].as_str().expect("management").to_string()
    }
}

/// One API request moto received.
#[derive(Debug, Clone)]
pub struct Request {
    pub service: String,
    pub region: String,
    pub operation: String,
    /// The form-encoded body of query-protocol calls (EC2, IAM, STS), URL-decoded.
    pub body: String,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub requests: Vec<Request>,
}

impl Run {
    pub fn calls(&self, operation: &str) -> Vec<&Request> {
        self.requests.iter().filter(|r| r.operation == operation).collect()
    }

    pub fn counts(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for r in &self.requests {
            *counts.entry(format!("{}:{}", r.service, r.operation)).or_default() += 1;
        }
        counts
    }

    /// CSV output as rows of cells, header dropped.
    pub fn csv_rows(&self) -> Vec<Vec<String>> {
        csv::Reader::from_reader(self.stdout.as_bytes())
            .records()
            .map(|r| r.expect("CSV record").iter().map(str::to_string).collect())
            .collect()
    }

    pub fn assert_ok(&self) -> &Self {
        assert_eq!(self.code, 0, "cove failed:\nstdout: {}\nstderr: {}", self.stdout, self.stderr);
        self
    }
}

/// A `cove` command against the seeded org, and the id its requests are recorded under.
pub fn command(args: &[&str], env: &[(&str, &str)]) -> (Command, String) {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let org = org();
    // Every SDK request carries `app/<id>` in its user agent, which tells this run's
    // requests apart from those of tests running alongside.
    // The closing `z` keeps one id from being a prefix of another (x1 of x12).
    let app_id = format!("covetest{}x{}z", std::process::id(), RUNS.fetch_add(1, Ordering::SeqCst));
    let mut command = Command::new(env!("CARGO_BIN_EXE_cove"));
    command.args(args).envs(aws_env(&org.moto.endpoint)).env("AWS_SDK_UA_APP_ID", &app_id);
    for var in ["AWS_PROFILE", "AWS_SESSION_TOKEN", "RUST_BACKTRACE"] {
        command.env_remove(var);
    }
    command.envs(env.iter().copied());
    (command, app_id)
}

/// Runs `cove ARGS` against the seeded org with `stdin` as its input.
pub fn cove_with_input(args: &[&str], stdin: &str) -> Run {
    cove_with_input_env(args, stdin, &[])
}

pub fn cove_with_input_env(args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Run {
    let (mut command, app_id) = command(args, env);
    command
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = command.spawn().expect("run cove");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), stdin.as_bytes()).expect("write stdin");
    finish(child.wait_with_output().expect("run cove"), &app_id)
}

/// Runs `cove ARGS` against the seeded org; `env` adds or overrides variables.
pub fn cove_with_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let (mut command, app_id) = command(args, env);
    finish(command.output().expect("run cove"), &app_id)
}

fn finish(out: std::process::Output, app_id: &str) -> Run {
    let requests = recorded(app_id);
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        requests,
    }
}

pub fn cove(args: &[&str]) -> Run {
    cove_with_env(args, &[])
}

/// The requests moto received from clients whose user agent names `app_id`.
pub fn recorded(app_id: &str) -> Vec<Request> {
    let marker = format!("app/{app_id}");
    let recording = org().moto.recording().expect("moto recording");
    // moto may be appending another test's request: only whole lines count.
    let complete = &recording[..recording.rfind('\n').map_or(0, |end| end + 1)];
    complete
        .lines()
        .filter(|line| line.contains(&marker))
        .map(|line| parse_request(&serde_json::from_str(line).expect("recorded request")))
        .collect()
}

fn header<'a>(entry: &'a Value, name: &str) -> Option<&'a str> {
    entry["headers"].as_object()?.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).and_then(|(_, v)| v.as_str())
}

/// S3 bucket reads by the subresource their URL names.
const S3_READS: &[(&str, &str)] = &[
    ("location", "GetBucketLocation"),
    ("policy", "GetBucketPolicy"),
    ("policyStatus", "GetBucketPolicyStatus"),
    ("acl", "GetBucketAcl"),
    ("versioning", "GetBucketVersioning"),
    ("encryption", "GetBucketEncryption"),
    ("publicAccessBlock", "GetPublicAccessBlock"),
    ("logging", "GetBucketLogging"),
    ("tagging", "GetBucketTagging"),
];

fn parse_request(entry: &Value) -> Request {
    // Credential=AKID/DATE/REGION/SERVICE/aws4_request
    let scope: Vec<&str> = header(entry, "authorization")
        .and_then(|a| a.split("Credential=").nth(1))
        .map(|c| c.split('/').collect())
        .unwrap_or_default();
    let service = scope.get(3).copied().unwrap_or("?").to_string();
    let region = scope.get(2).copied().unwrap_or("?").to_string();
    let raw = entry["body"].as_str().unwrap_or_default();
    let body = if entry["body_encoded"].as_bool() == Some(true) {
        String::from_utf8_lossy(&base64::engine::general_purpose::STANDARD.decode(raw).unwrap_or_default()).into_owned()
    } else {
        raw.to_string()
    };
    let body = percent_encoding::percent_decode_str(&body.replace('+', " ")).decode_utf8_lossy().into_owned();
    let url = entry["url"].as_str().unwrap_or_default();
    let operation = if let Some(target) = header(entry, "x-amz-target") {
        target.rsplit('.').next().unwrap_or(target).to_string()
    } else if let Some(action) = body.split('&').find_map(|kv| kv.strip_prefix("Action=")) {
        action.to_string()
    } else if service == "s3" {
        let path = url.splitn(4, '/').nth(3).unwrap_or_default();
        match (entry["method"].as_str(), path) {
            (Some("GET"), p) if p.is_empty() || p.starts_with('?') => "ListBuckets".to_string(),
            (Some("GET"), p) => {
                let subresource = p.split_once('?').map(|(_, q)| q.split(['=', '&']).next().unwrap_or_default());
                match S3_READS.iter().find(|(key, _)| Some(*key) == subresource) {
                    Some((_, operation)) => operation.to_string(),
                    None => format!("GET /{p}"),
                }
            }
            (method, p) => format!("{} /{p}", method.unwrap_or("?")),
        }
    } else {
        format!("{} {url}", entry["method"].as_str().unwrap_or("?"))
    };
    Request { service, region, operation, body }
}

/// Faults a proxy in front of moto injects.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Every request waits this long before it is passed on.
    pub delay: std::time::Duration,
    /// AssumeRole into these accounts is denied (AccessDenied).
    pub deny_assume_role: Vec<String>,
    /// Every call signed for this region fails (AuthFailure, as for a region not enabled).
    pub failing_region: Option<String>,
    /// The first attempt of every Nth distinct EC2, IAM, STS or SNS request is throttled.
    pub throttle_every: Option<usize>,
    /// Organizations ListAccounts fails with this error code.
    pub list_accounts_error: Option<&'static str>,
    /// Requests whose head or body contains the text get the answer, not moto's.
    pub answers: Vec<(&'static str, Answer)>,
    /// The credentials AssumeRole hands out expire this long after (moto's last an hour).
    pub credential_lifetime: Option<std::time::Duration>,
}

/// What the proxy answers instead of moto.
#[derive(Debug, Clone)]
pub enum Answer {
    /// A 200 with each page in turn, one per request, then the last page to every request.
    Pages { content_type: &'static str, pages: Vec<String> },
    /// A 200 of `prefix`, `size` bytes of `a` and `suffix`, made as it is sent, never held
    /// whole: with its length declared, or chunked.
    Huge { prefix: &'static str, size: u64, suffix: &'static str, declared: bool },
}

/// An HTTP proxy to moto injecting `faults`; returns its endpoint URL.
pub fn faulty_endpoint(faults: Faults) -> String {
    let upstream = org().moto.endpoint.trim_start_matches("http://").to_string();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind proxy");
    let endpoint = format!("http://{}", listener.local_addr().expect("proxy address"));
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Seen::default()));
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let (upstream, faults, seen) = (upstream.clone(), faults.clone(), seen.clone());
            std::thread::spawn(move || proxy_connection(client, &upstream, &faults, &seen));
        }
    });
    endpoint
}

/// Requests seen by a proxy, by who sent them where, and what they asked; and how many
/// requests each of its answers answered.
#[derive(Default)]
struct Seen {
    requests: std::collections::HashSet<String>,
    answered: std::collections::HashMap<usize, usize>,
}

fn proxy_connection(client: std::net::TcpStream, upstream: &str, faults: &Faults, seen: &std::sync::Mutex<Seen>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let mut reader = BufReader::new(client.try_clone().expect("clone"));
    let mut client = client;
    loop {
        let mut head = String::new();
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let end = line == "\r\n";
            head.push_str(&line);
            if end {
                break;
            }
        }
        let length = head
            .lines()
            .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
            .unwrap_or(0);
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        std::thread::sleep(faults.delay);
        let text = String::from_utf8_lossy(&body);
        // Credential=AKID/DATE/REGION/SERVICE/aws4_request
        let scope: Vec<&str> = head.split("Credential=").nth(1).map(|c| c.split('/').collect()).unwrap_or_default();
        let (key, region, service) =
            (scope.first().copied(), scope.get(2).copied(), scope.get(3).copied().unwrap_or(""));
        let denied = text.contains("Action=AssumeRole")
            && faults.deny_assume_role.iter().any(|a| text.contains(&format!("iam%3A%3A{a}%3Arole")));
        let throttled = faults.throttle_every.is_some_and(|every| {
            let mut seen = seen.lock().unwrap();
            ["ec2", "iam", "sts", "sns"].contains(&service)
                && seen.requests.insert(format!("{key:?} {region:?} {text}"))
                && seen.requests.len().is_multiple_of(every)
        });
        let answer =
            faults.answers.iter().enumerate().find(|(_, (needle, _))| head.contains(needle) || text.contains(needle));
        let lists_accounts = head.contains("AWSOrganizationsV20161128.ListAccounts");
        let json = head.to_ascii_lowercase().contains("application/x-amz-json");
        let response = if let (true, Some(code)) = (lists_accounts, faults.list_accounts_error) {
            json_error_response(code, "injected by the test proxy")
        } else if denied {
            error_response(service, "403 Forbidden", "AccessDenied", "not authorized to perform sts:AssumeRole")
        } else if faults.failing_region.is_some() && faults.failing_region.as_deref() == region && json {
            json_error_response("UnrecognizedClientException", "The security token included in the request is invalid")
        } else if faults.failing_region.is_some() && faults.failing_region.as_deref() == region {
            error_response(service, "401 Unauthorized", "AuthFailure", "AWS was not able to validate the credentials")
        } else if let Some((i, (_, answer))) = answer {
            match answer {
                Answer::Pages { content_type, pages } => {
                    let mut seen = seen.lock().unwrap();
                    let answered = seen.answered.entry(i).or_default();
                    let page = &pages[(*answered).min(pages.len() - 1)];
                    *answered += 1;
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{page}",
                        page.len()
                    )
                    .into_bytes()
                }
                Answer::Huge { prefix, size, suffix, declared } => {
                    // Whether cove read it all or hung up, the connection is done with.
                    let _ = send_huge(&mut client, prefix, *size, suffix, *declared);
                    return;
                }
            }
        } else if throttled {
            let code = if service == "ec2" { "RequestLimitExceeded" } else { "Throttling" };
            error_response(service, "400 Bad Request", code, "Rate exceeded")
        } else {
            let Ok(mut server) = std::net::TcpStream::connect(upstream) else { return };
            let head = head.replacen("\r\n", "\r\nConnection: close\r\n", 1);
            let mut response = Vec::new();
            if server.write_all(head.as_bytes()).and_then(|_| server.write_all(&body)).is_err()
                || server.read_to_end(&mut response).is_err()
            {
                return;
            }
            match faults.credential_lifetime {
                Some(lifetime) if text.contains("Action=AssumeRole") => expiring(&response, lifetime),
                _ => response,
            }
        };
        if client.write_all(&response).is_err() {
            return;
        }
    }
}

/// An AssumeRole answer whose credentials expire `lifetime` from now.
fn expiring(response: &[u8], lifetime: std::time::Duration) -> Vec<u8> {
    let text = String::from_utf8_lossy(response);
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP answer");
    let (before, rest) = body.split_once("<Expiration>").expect("credentials with an expiration");
    let (_, after) = rest.split_once("</Expiration>").expect("an expiration's end");
    let at = chrono::Utc::now() + lifetime;
    let body = format!("{before}<Expiration>{}</Expiration>{after}", at.format("%Y-%m-%dT%H:%M:%S%.3fZ"));
    let head: Vec<String> = head
        .lines()
        .map(|line| match line.to_ascii_lowercase().starts_with("content-length:") {
            true => format!("Content-Length: {}", body.len()),
            false => line.to_string(),
        })
        .collect();
    format!("{}\r\n\r\n{body}", head.join("\r\n")).into_bytes()
}

/// A 200 of `prefix`, `size` bytes of `a` and `suffix`, sent a piece at a time.
fn send_huge(
    client: &mut std::net::TcpStream,
    prefix: &str,
    size: u64,
    suffix: &str,
    declared: bool,
) -> std::io::Result<()> {
    use std::io::Write;
    let total = prefix.len() as u64 + size + suffix.len() as u64;
    let framing = if declared { format!("Content-Length: {total}") } else { "Transfer-Encoding: chunked".to_string() };
    write!(client, "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n{framing}\r\n\r\n")?;
    let mut send = |data: &[u8]| match declared {
        true => client.write_all(data),
        // An empty chunk would end the body.
        false if data.is_empty() => Ok(()),
        false => write!(client, "{:x}\r\n", data.len())
            .and_then(|_| client.write_all(data))
            .and_then(|_| client.write_all(b"\r\n")),
    };
    send(prefix.as_bytes())?;
    let fill = [b'a'; 1 << 16];
    let mut left = size;
    while left > 0 {
        let piece = left.min(fill.len() as u64);
        send(&fill[..piece as usize])?;
        left -= piece;
    }
    send(suffix.as_bytes())?;
    if !declared {
        client.write_all(b"0\r\n\r\n")?;
    }
    Ok(())
}

/// An AWS error as JSON protocol services (Organizations) answer with.
fn json_error_response(code: &str, message: &str) -> Vec<u8> {
    let body = serde_json::json!({"__type": code, "Message": message}).to_string();
    format!(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// An AWS error in the shape `service` answers with (EC2's own, or the query protocol's).
fn error_response(service: &str, status: &str, code: &str, message: &str) -> Vec<u8> {
    let body = if service == "ec2" {
        format!(
            "<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors>\
             <RequestID>cove-test</RequestID></Response>"
        )
    } else {
        format!(
            "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>\
             <RequestId>cove-test</RequestId></ErrorResponse>"
        )
    };
    format!("HTTP/1.1 {status}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

/// Credentials of a member account, which belongs to no organization of its own in moto.
pub async fn member_credentials(member: &str) -> [(&'static str, String); 3] {
    let org = org();
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(&org.moto.endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_credential_types::Credentials::new("testing", "testing", None, None, "test"))
        .load()
        .await;
    let role = format!("arn:aws:iam::{member}:role/OrganizationAccountAccessRole");
    let out = aws_sdk_sts::Client::new(&config).assume_role().role_arn(role).role_session_name("t").send().await;
    let credentials = out.expect("AssumeRole into a member").credentials.expect("credentials");
    [
        ("AWS_ACCESS_KEY_ID", credentials.access_key_id),
        ("AWS_SECRET_ACCESS_KEY", credentials.secret_access_key),
        ("AWS_SESSION_TOKEN", credentials.session_token),
    ]
}
