//! Who and where to scan: the targeting flags over the config file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use serde::Deserialize;

pub const DEFAULT_ROLE: &str = "OrganizationAccountAccessRole";
pub const DEFAULT_CONCURRENCY: usize = 256;
/// More targets in flight than any account's API rates could use.
pub const MAX_CONCURRENCY: usize = 10_000;
pub const DEFAULT_CACHE_TTL_SECONDS: u64 = 300;
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// Who and where to scan, declared once for the flags and the config file: a flag is a
/// key of the file by the same name (`--role-name`, `role_name`), and the flag wins.
/// `config` and `no_cache` are flags only; the last few keys are the file's only.
#[derive(Debug, Clone, Default, Args, Deserialize)]
#[command(next_help_heading = "Targeting")]
#[serde(default, deny_unknown_fields)]
pub struct TargetArgs {
    /// AWS profile to start from (default: the standard credential chain)
    #[arg(long, global = true)]
    pub profile: Option<String>,
    /// Scan every ACTIVE account of the organization (Organizations ListAccounts)
    #[arg(long, global = true, conflicts_with = "accounts")]
    pub org: bool,
    /// Scan these accounts (comma-separated ids) instead of the caller's own
    #[arg(long, global = true, value_delimiter = ',')]
    pub accounts: Option<Vec<String>>,
    /// Leave these accounts out (comma-separated ids)
    #[arg(long, global = true, value_delimiter = ',')]
    pub exclude_accounts: Option<Vec<String>>,
    /// Scan the organization's accounts under these OUs, nested OUs included (comma-separated ids)
    #[arg(long = "ou", global = true, value_delimiter = ',', value_name = "OU", conflicts_with = "accounts")]
    pub ous: Option<Vec<String>>,
    /// Leave out the accounts under these OUs, nested OUs included (comma-separated ids)
    #[arg(long = "exclude-ou", global = true, value_delimiter = ',', value_name = "OU")]
    pub exclude_ous: Option<Vec<String>>,
    /// Role assumed in every account other than the caller's
    #[arg(long, global = true)]
    pub role_name: Option<String>,
    /// External id passed to AssumeRole
    #[arg(long, global = true)]
    pub external_id: Option<String>,
    /// Regions to scan (comma-separated), or `all` for every enabled region
    #[arg(long, global = true, value_delimiter = ',')]
    pub regions: Option<Vec<String>>,
    /// Config file (default: $XDG_CONFIG_HOME/cove/config.toml or ~/.config/cove/config.toml)
    #[arg(long, global = true)]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// Targets scanned at once
    #[arg(long, global = true)]
    pub concurrency: Option<usize>,
    /// Exit non-zero when any account or region fails
    #[arg(long, global = true)]
    pub strict: bool,
    /// Call AWS for every scan instead of reusing results younger than the cache TTL
    #[arg(long, global = true)]
    #[serde(skip)]
    pub no_cache: bool,
    #[arg(skip)]
    pub cache_ttl_seconds: Option<u64>,
    #[arg(skip)]
    pub call_timeout_seconds: Option<u64>,
    /// Suppression files for `cove check`.
    #[arg(skip)]
    pub suppressions: Option<Vec<PathBuf>>,
    /// Values for the `{{name}}` variables of controls.
    #[arg(skip)]
    pub vars: Option<BTreeMap<String, String>>,
    #[arg(skip)]
    pub serve: Option<ServeConfig>,
}

/// `[serve]`: how `cove serve` listens and whom it lets in.
#[derive(Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeConfig {
    pub listen: Option<String>,
    pub user: Option<String>,
    pub password: Option<String>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// Clients connected at once; more are refused (53300).
    pub max_connections: Option<usize>,
    /// The `statement_timeout` of every connection until it sets its own.
    pub statement_timeout: Option<String>,
}

impl std::fmt::Debug for ServeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeConfig")
            .field("listen", &self.listen)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "(set)"))
            .field("tls_cert", &self.tls_cert)
            .field("tls_key", &self.tls_key)
            .field("max_connections", &self.max_connections)
            .field("statement_timeout", &self.statement_timeout)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Accounts {
    /// The account of the caller's credentials.
    Caller,
    List(Vec<String>),
    Organization,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Regions {
    /// The profile's or environment's default region.
    Default,
    List(Vec<String>),
    /// Every region enabled for the caller's account.
    All,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub profile: Option<String>,
    pub accounts: Accounts,
    pub exclude_accounts: Vec<String>,
    /// With the organization's accounts: only those under these OUs (or roots).
    pub ous: Vec<String>,
    /// With the organization's accounts: none under these OUs.
    pub exclude_ous: Vec<String>,
    /// Whether to look up which OU each account sits in, though no OU selects accounts
    /// (a check run reports it).
    pub ou_paths: bool,
    pub role_name: String,
    pub external_id: Option<String>,
    pub regions: Regions,
    pub concurrency: usize,
    pub strict: bool,
    /// How long scan results are reused; None: not at all.
    pub cache_ttl: Option<Duration>,
    /// The longest one API call may take, its retries included.
    pub call_timeout: Duration,
    /// Control variables from the config file.
    pub vars: BTreeMap<String, String>,
    /// Suppression files from the config file.
    pub suppressions: Vec<PathBuf>,
    pub serve: ServeConfig,
}

impl Settings {
    pub fn resolve(args: &TargetArgs) -> Result<Settings, String> {
        let file = load_config(args.config.as_deref())?;
        let listed = |list: &[String], given: &str| match account_ids(list)? {
            ids if ids.is_empty() => Err(format!("{given} names no account")),
            ids => Ok(Accounts::List(ids)),
        };
        let ous = unit_ids(args.ous.as_ref().or(file.ous.as_ref()))?;
        let exclude_ous = unit_ids(args.exclude_ous.as_ref().or(file.exclude_ous.as_ref()))?;
        if args.accounts.is_some() && !exclude_ous.is_empty() {
            return Err("--exclude-ou applies to the organization's accounts: use it with --org or --ou".into());
        }
        let accounts = if args.org || !ous.is_empty() || (args.accounts.is_none() && !exclude_ous.is_empty()) {
            Accounts::Organization
        } else if let Some(list) = &args.accounts {
            listed(list, "--accounts")?
        } else if file.org {
            Accounts::Organization
        } else if let Some(list) = &file.accounts {
            listed(list, "the config file's accounts")?
        } else {
            Accounts::Caller
        };
        let regions = match args.regions.as_ref().or(file.regions.as_ref()) {
            None => Regions::Default,
            Some(list) if list.len() == 1 && list[0] == "all" => Regions::All,
            Some(list) => Regions::List(region_names(list)?),
        };
        let concurrency = args.concurrency.or(file.concurrency).unwrap_or(DEFAULT_CONCURRENCY);
        if !(1..=MAX_CONCURRENCY).contains(&concurrency) {
            return Err(format!("--concurrency {concurrency} is out of range: give 1 to {MAX_CONCURRENCY}"));
        }
        Ok(Settings {
            profile: args.profile.clone().or(file.profile),
            accounts,
            exclude_accounts: account_ids(
                args.exclude_accounts.as_ref().or(file.exclude_accounts.as_ref()).unwrap_or(&vec![]),
            )?,
            ous,
            exclude_ous,
            ou_paths: false,
            role_name: args.role_name.clone().or(file.role_name).unwrap_or_else(|| DEFAULT_ROLE.into()),
            external_id: args.external_id.clone().or(file.external_id),
            regions,
            concurrency,
            strict: args.strict || file.strict,
            cache_ttl: match (args.no_cache, file.cache_ttl_seconds.unwrap_or(DEFAULT_CACHE_TTL_SECONDS)) {
                (true, _) | (_, 0) => None,
                (false, seconds) => Some(Duration::from_secs(seconds)),
            },
            call_timeout: match file.call_timeout_seconds {
                Some(0) => return Err("call_timeout_seconds must be at least 1".into()),
                Some(seconds) => Duration::from_secs(seconds),
                None => DEFAULT_CALL_TIMEOUT,
            },
            vars: file.vars.unwrap_or_default(),
            suppressions: file.suppressions.unwrap_or_default(),
            serve: file.serve.unwrap_or_default(),
        })
    }
}

fn default_config_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".config")))?;
    Some(base.join("cove").join("config.toml"))
}

fn load_config(explicit: Option<&Path>) -> Result<TargetArgs, String> {
    let path = match explicit {
        Some(path) => path.to_path_buf(),
        None => match default_config_path() {
            Some(path) if path.exists() => path,
            _ => return Ok(TargetArgs::default()),
        },
    };
    let text =
        std::fs::read_to_string(&path).map_err(|e| format!("cannot read config file {}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| {
        let message = e.message();
        match e.span() {
            Some(span) => {
                let line = text[..span.start].matches('\n').count() + 1;
                format!("config file {}, line {line}: {message}", path.display())
            }
            None => format!("config file {}: {message}", path.display()),
        }
    })
}

fn account_ids(list: &[String]) -> Result<Vec<String>, String> {
    list.iter()
        .map(|id| id.trim())
        .filter(|id| !id.is_empty())
        .map(|id| {
            if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) {
                Ok(id.to_string())
            } else {
                Err(format!("'{id}' is not an AWS account id (12 digits)"))
            }
        })
        .collect()
}

/// Organizational unit (`ou-ab12-cd34ef56`) or root (`r-ab12`) ids.
fn unit_ids(list: Option<&Vec<String>>) -> Result<Vec<String>, String> {
    let ids = list.into_iter().flatten().map(|id| id.trim()).filter(|id| !id.is_empty());
    ids.map(|id| {
        let lowercase =
            |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        let well_formed = match id.split('-').collect::<Vec<_>>()[..] {
            ["ou", root, unit] => lowercase(root) && lowercase(unit),
            ["r", root] => lowercase(root),
            _ => false,
        };
        if well_formed {
            Ok(id.to_string())
        } else {
            Err(format!("'{id}' is not an OU id (ou-ab12-cd34ef56) or root id (r-ab12)"))
        }
    })
    .collect()
}

fn region_names(list: &[String]) -> Result<Vec<String>, String> {
    let mut regions: Vec<String> = Vec::new();
    for region in list.iter().map(|r| r.trim()).filter(|r| !r.is_empty()) {
        let well_formed = region.split('-').count() >= 3
            && region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && region.ends_with(|c: char| c.is_ascii_digit());
        if region == "all" {
            return Err("'all' cannot be combined with other regions".into());
        }
        if !well_formed {
            return Err(format!("'{region}' is not an AWS region name (like us-east-1)"));
        }
        if !regions.iter().any(|r| r == region) {
            regions.push(region.to_string());
        }
    }
    if regions.is_empty() {
        return Err("--regions needs at least one region".into());
    }
    Ok(regions)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> TargetArgs {
        TargetArgs { config: Some(PathBuf::from("/dev/null")), ..TargetArgs::default() }
    }

    #[test]
    fn flags_are_validated() {
        let bad_account = TargetArgs { accounts: Some(vec!["12345".into()]), ..args() };
        assert!(Settings::resolve(&bad_account).unwrap_err().contains("'12345'"));
        let bad_region = TargetArgs { regions: Some(vec!["us-east-1".into(), "Mars".into()]), ..args() };
        assert!(Settings::resolve(&bad_region).unwrap_err().contains("'Mars'"));
        let all = TargetArgs { regions: Some(vec!["all".into()]), ..args() };
        assert_eq!(Settings::resolve(&all).unwrap().regions, Regions::All);
    }

    #[test]
    fn flags_override_the_config_file() {
        let dir = std::env::temp_dir().join(format!("cove-settings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.toml");
        std::fs::write(&path, "regions = [\"eu-west-1\"]\nrole_name = \"Audit\"\nconcurrency = 8\n").unwrap();
        let from_file = Settings::resolve(&TargetArgs { config: Some(path.clone()), ..TargetArgs::default() }).unwrap();
        assert_eq!(from_file.regions, Regions::List(vec!["eu-west-1".into()]));
        assert_eq!((from_file.role_name.as_str(), from_file.concurrency), ("Audit", 8));
        let overridden =
            TargetArgs { config: Some(path.clone()), regions: Some(vec!["us-east-1".into()]), ..TargetArgs::default() };
        assert_eq!(Settings::resolve(&overridden).unwrap().regions, Regions::List(vec!["us-east-1".into()]));
        std::fs::write(&path, "regions = [\"eu-west-1\"]\nregoins = 3\n").unwrap();
        let err = Settings::resolve(&TargetArgs { config: Some(path.clone()), ..TargetArgs::default() }).unwrap_err();
        assert!(err.contains("line 2") && err.contains("regoins"), "{err}");
        std::fs::write(&path, "strict = true\ncall_timeout_seconds = 5\n").unwrap();
        let file_only = Settings::resolve(&TargetArgs { config: Some(path.clone()), ..TargetArgs::default() }).unwrap();
        assert_eq!((file_only.strict, file_only.call_timeout), (true, Duration::from_secs(5)));
        // Flags that only make sense on the command line are not keys of the file.
        std::fs::write(&path, "no_cache = true\n").unwrap();
        let err = Settings::resolve(&TargetArgs { config: Some(path.clone()), ..TargetArgs::default() }).unwrap_err();
        assert!(err.contains("no_cache"), "{err}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
