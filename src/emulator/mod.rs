//! A local AWS emulator (moto's server mode) for `cove demo` and the tests: found or
//! installed, started on a free loopback port, seeded with a small organization.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region};
use aws_credential_types::Credentials;
use datafusion::prelude::SessionContext;

use crate::engine::{Engine, session};
use crate::settings::{Accounts, Regions, Settings};

/// The moto release the project is tested against.
pub const MOTO_VERSION: &str = "5.2.1";
const SEED_SCRIPT: &str = include_str!("seed_org.py");
/// Runs moto's server and exits, removing its working directory (and so its recording),
/// when stdin closes: the server never outlives the process that started it, even one
/// that exits without dropping `Moto`.
const SERVER: &str = r#"
import os, shutil, sys, threading

def lifeline():
    sys.stdin.read()
    shutil.rmtree(os.getcwd(), ignore_errors=True)
    os._exit(0)

threading.Thread(target=lifeline, daemon=True).start()
from moto.server import main
main(sys.argv[1:])
"#;

/// Environment for anything that talks to the emulator: dummy credentials, a region, no
/// instance metadata probing, and no developer profile or cove config leaking in.
pub fn aws_env(endpoint: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT_URL", endpoint.to_string()),
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_DEFAULT_REGION", "us-east-1".into()),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ("AWS_CONFIG_FILE", "/dev/null".into()),
        ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null".into()),
        ("XDG_CONFIG_HOME", "/nonexistent/cove-emulator".into()),
    ]
}

/// Variables removed from the emulator's and its clients' environment.
const CLEARED_ENV: &[&str] = &["AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"];

pub struct Moto {
    child: Child,
    /// Closing it stops the server.
    _lifeline: std::process::ChildStdin,
    pub endpoint: String,
    python: PathBuf,
    /// moto's working directory, outside the checkout: its request recording lands there.
    workdir: PathBuf,
}

impl Moto {
    /// Starts moto on a free loopback port and waits until it answers.
    pub fn start() -> Result<Moto, String> {
        let python = python_with_moto()?;
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free loopback port: {e}"))?
            .port();
        let workdir = std::env::temp_dir().join(format!("cove-moto-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&workdir).map_err(|e| format!("cannot create {}: {e}", workdir.display()))?;
        let mut command = Command::new(&python);
        command
            .args(["-c", SERVER, "-H", "127.0.0.1", "-p", &port.to_string()])
            .current_dir(&workdir)
            .stdin(Stdio::piped())
            .env("MOTO_RECORDER_FILEPATH", workdir.join("moto_recording"))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for var in CLEARED_ENV {
            command.env_remove(var);
        }
        command.envs(aws_env(&format!("http://127.0.0.1:{port}")));
        let mut child = command.spawn().map_err(|e| format!("cannot start moto ({}): {e}", python.display()))?;
        let lifeline = child.stdin.take().ok_or("moto has no stdin")?;
        let mut moto =
            Moto { child, _lifeline: lifeline, endpoint: format!("http://127.0.0.1:{port}"), python, workdir };
        let deadline = Instant::now() + Duration::from_secs(60);
        while moto.get("/moto-api/").is_err() {
            if let Ok(Some(status)) = moto.child.try_wait() {
                return Err(format!(
                    "moto exited at start ({status}); run `{} -m moto.server` to see why",
                    moto.python.display()
                ));
            }
            if Instant::now() > deadline {
                return Err("moto did not start within 60 s".into());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(moto)
    }

    /// A session over the seeded organization's every account, in its two regions, with
    /// explicit endpoint, dummy credentials and region: nothing reaches real AWS or the
    /// instance metadata service. Scans are cached for the session's life.
    pub async fn open_org(&self) -> Result<(Arc<Engine>, SessionContext), String> {
        let base = aws_config::defaults(BehaviorVersion::latest())
            .endpoint_url(&self.endpoint)
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("testing", "testing", None, None, "cove-emulator"))
            .load()
            .await;
        let settings = Settings {
            profile: None,
            accounts: Accounts::Organization,
            exclude_accounts: Vec::new(),
            ous: Vec::new(),
            exclude_ous: Vec::new(),
            ou_paths: false,
            role_name: crate::settings::DEFAULT_ROLE.into(),
            external_id: None,
            regions: Regions::List(vec!["us-east-1".into(), "eu-west-1".into()]),
            concurrency: crate::settings::DEFAULT_CONCURRENCY,
            strict: false,
            cache_ttl: Some(Duration::from_secs(3600)),
            call_timeout: crate::settings::DEFAULT_CALL_TIMEOUT,
            vars: Default::default(),
            suppressions: Vec::new(),
            serve: Default::default(),
        };
        session::open_with(base, &settings).await
    }

    /// Seeds the demo organization (3 member accounts x 2 regions); returns the seed
    /// script's JSON description of what it created.
    pub fn seed_org(&self) -> Result<String, String> {
        seed_with(&self.python, &self.endpoint)
    }

    /// Starts moto's request recorder (it records every request from then on).
    pub fn start_recording(&self) -> Result<(), String> {
        self.post("/moto-api/recorder/reset-recording")?;
        self.post("/moto-api/recorder/start-recording")
    }

    /// Everything recorded so far, one JSON object per request and line.
    pub fn recording(&self) -> Result<String, String> {
        self.get("/moto-api/recorder/download-recording")
    }

    fn get(&self, path: &str) -> Result<String, String> {
        self.http("GET", path)
    }

    fn post(&self, path: &str) -> Result<(), String> {
        self.http("POST", path).map(drop)
    }

    /// A minimal HTTP/1.0 exchange with moto's control API on loopback.
    fn http(&self, method: &str, path: &str) -> Result<String, String> {
        let address = self.endpoint.trim_start_matches("http://");
        let mut stream = TcpStream::connect(address).map_err(|e| e.to_string())?;
        stream.set_read_timeout(Some(Duration::from_secs(30))).map_err(|e| e.to_string())?;
        write!(stream, "{method} {path} HTTP/1.0\r\nHost: {address}\r\nContent-Length: 0\r\n\r\n")
            .map_err(|e| e.to_string())?;
        let mut response = String::new();
        stream.read_to_string(&mut response).map_err(|e| e.to_string())?;
        let (head, body) = response.split_once("\r\n\r\n").ok_or("malformed HTTP response from moto")?;
        if !head.starts_with("HTTP/1.1 200") && !head.starts_with("HTTP/1.0 200") {
            return Err(format!("moto answered {}", head.lines().next().unwrap_or("")));
        }
        Ok(body.to_string())
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.workdir);
    }
}

fn imports_moto(python: &std::path::Path) -> bool {
    Command::new(python)
        .args(["-c", "import moto.server"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A Python that can import moto: the system's, else a virtualenv under target/ (or
/// $COVE_MOTO_VENV) with the pinned moto installed on first use.
fn python_with_moto() -> Result<PathBuf, String> {
    let system = PathBuf::from("python3");
    if imports_moto(&system) {
        return Ok(system);
    }
    let venv = std::env::var_os("COVE_MOTO_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target").join("moto-venv"));
    // Absolute: moto runs in a directory of its own.
    let venv = std::path::absolute(&venv).map_err(|e| format!("cannot resolve {}: {e}", venv.display()))?;
    let python = venv.join("bin").join("python");
    if imports_moto(&python) {
        return Ok(python);
    }
    eprintln!("installing moto[server]=={MOTO_VERSION} into {} ...", venv.display());
    let run = |command: &mut Command| -> Result<(), String> {
        let out = command.output().map_err(|e| format!("cannot install moto: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            let stderr = String::from_utf8_lossy(&out.stderr);
            Err(format!("cannot install moto: {}", stderr.lines().last().unwrap_or("pip failed")))
        }
    };
    run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    run(Command::new(&python).args(["-m", "pip", "install", "--quiet", &format!("moto[server]=={MOTO_VERSION}")]))?;
    Ok(python)
}

fn seed_with(python: &std::path::Path, endpoint: &str) -> Result<String, String> {
    let mut command = Command::new(python);
    command.args(["-", endpoint]).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    for var in CLEARED_ENV {
        command.env_remove(var);
    }
    command.envs(aws_env(endpoint));
    let mut child = command.spawn().map_err(|e| format!("cannot run the seed script: {e}"))?;
    child
        .stdin
        .take()
        .ok_or("seed script has no stdin")?
        .write_all(SEED_SCRIPT.as_bytes())
        .map_err(|e| format!("cannot run the seed script: {e}"))?;
    let out = child.wait_with_output().map_err(|e| format!("seed script failed: {e}"))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(format!("seed script failed: {}", stderr.lines().last().unwrap_or("no output")));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("seed script output: {e}"))
}
