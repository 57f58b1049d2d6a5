//! The estate a query runs over: the accounts and regions in scope, and credentials for
//! each account, assumed lazily, once, and refreshed before they expire. What to ask AWS
//! is the catalog's (`cove_tables::discovery`); which accounts, when to assume and what to
//! remember is decided here.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_http_client::ConnectorBuilder;
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata;
use aws_smithy_runtime_api::client::http::{HttpClient, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use cove_tables::discovery::{Caller, Identity};
use cove_tables::{FetchError, Target};
use tokio::sync::Mutex;

use super::guard::Guard;
use crate::settings::{Accounts, Regions, Settings};

/// Assumed credentials are renewed when they have less than this left, or less than a
/// quarter of their lifetime if that is shorter (AssumeRole's shortest is 15 minutes).
const REFRESH_MARGIN: Duration = Duration::from_secs(300);
/// A denied AssumeRole is not retried for this long, so the regions of one account
/// do not each ask again.
const FAILURE_MEMORY: Duration = Duration::from_secs(60);

#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub name: Option<String>,
    /// Where it sits in the organization (`Root/Workloads/Prod`), when looked up.
    pub ou_path: Option<String>,
    /// The ids of its OU and every OU and root above it, when looked up.
    pub ou_ids: Vec<String>,
}

enum Access {
    Assumed { config: Box<SdkConfig>, renew_at: SystemTime },
    Failed { error: FetchError, at: Instant },
}

pub struct Estate {
    caller: Caller,
    pub identity: Identity,
    pub accounts: Vec<Account>,
    pub regions: Vec<String>,
    /// Regions came from `all`: a region an account has not enabled is skipped, not an error.
    pub all_regions: bool,
    /// Where the accounts and regions came from, for the user.
    pub sources: (String, String),
    /// Where the caller's credentials came from, for the user.
    pub credentials_source: String,
    /// What the user should know about the scope: accounts not scanned and why.
    pub notes: Vec<String>,
    role_name: String,
    external_id: Option<String>,
    access: HashMap<String, Mutex<Option<Access>>>,
}

/// Attempts of one call, the first included. At scale throttling is the usual reason for
/// a retry: with a fifth of all attempts throttled, ten in a row happen about once in ten
/// million calls.
const MAX_ATTEMPTS: u32 = 10;
/// The bound of the first wait before a retry; each wait is a random part of a bound that
/// doubles. On the stand-in with a fifth of the calls throttled, a check took 3 to 4.5
/// times its unthrottled time with a first bound of 250 ms, 1.5 to 1.7 times with this.
const INITIAL_BACKOFF: Duration = Duration::from_millis(50);
/// The longest bound: a call to an account that throttles everything gives up after about
/// eight seconds (sixteen at most).
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// A connection must open within this long.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// One attempt of a call may take this long, at most the call's own timeout.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);

/// The SDK configuration from the standard chain (environment, profile, SSO, ...),
/// with cove's retry and timeout policy: a call, retries included, ends within
/// `settings.call_timeout`, and its timeout error says so.
pub async fn load_base_config(settings: &Settings) -> SdkConfig {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT.min(settings.call_timeout))
        .operation_attempt_timeout(ATTEMPT_TIMEOUT.min(settings.call_timeout))
        .operation_timeout(settings.call_timeout)
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(MAX_ATTEMPTS)
                .with_initial_backoff(INITIAL_BACKOFF)
                .with_max_backoff(MAX_BACKOFF),
        )
        .timeout_config(timeouts);
    if let Some(profile) = &settings.profile {
        // An explicit profile wins over credentials in the environment, as in the AWS CLI:
        // the standard chain would look at AWS_ACCESS_KEY_ID first.
        let credentials = ProfileFileCredentialsProvider::builder().profile_name(profile).build();
        loader = loader.profile_name(profile).credentials_provider(credentials);
    }
    if let Regions::List(regions) = &settings.regions {
        loader = loader.region(Region::new(regions[0].clone()));
    }
    loader.http_client(Unchecked(https_client())).load().await
}

/// One HTTPS client for every AWS client cove builds: the SDK's default (rustls over
/// aws-lc, proxies from the environment), made once. Left to itself, the SDK gives each
/// client its own, so every target opened its own connections.
fn https_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new().build_with_connector_fn(|settings, components| {
        let mut connector = ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc));
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(ProxyConfig::from_env()));
        connector.build()
    })
}

/// The HTTPS client without its check at client construction. The check builds a whole
/// connector, reading every root certificate, and throws it away; cove builds clients per
/// target, so at a thousand targets the check took a fifth of the CPU. Calls still take
/// their connector from the client's cache, built once per set of timeouts.
#[derive(Debug)]
struct Unchecked(SharedHttpClient);

impl HttpClient for Unchecked {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        self.0.http_connector(settings, components)
    }

    fn connector_metadata(&self) -> Option<ConnectorMetadata> {
        self.0.connector_metadata()
    }
}

impl Estate {
    /// Who the queries run as, for `.targets` and `--stats`.
    pub fn describe_identity(&self) -> String {
        format!("identity: {} (credentials from {})", self.identity.arn, self.credentials_source)
    }

    /// Identifies the caller and resolves the accounts and regions in scope.
    pub async fn discover(base: SdkConfig, settings: &Settings, guard: &Guard) -> Result<Estate, String> {
        let Some(home_region) = base.region().map(|r| r.to_string()) else {
            return Err("no AWS region: pass --regions, set AWS_REGION, or give the profile a region".into());
        };
        let caller = Caller::new(base, guard.interceptor());
        let identity =
            caller.identity().await.map_err(|e| format!("cannot identify the caller (sts:GetCallerIdentity): {e}"))?;
        let mut notes = Vec::new();
        let (mut accounts, account_source) = match &settings.accounts {
            Accounts::Caller => (
                vec![Account { id: identity.account_id.clone(), name: None, ou_path: None, ou_ids: Vec::new() }],
                "the caller's account".to_string(),
            ),
            Accounts::List(ids) => (
                ids.iter()
                    .map(|id| Account { id: id.clone(), name: None, ou_path: None, ou_ids: Vec::new() })
                    .collect(),
                "--accounts / config".to_string(),
            ),
            Accounts::Organization => {
                let (accounts, skipped) = organization_accounts(&caller, &identity).await?;
                notes.extend(skipped);
                let units = !settings.ous.is_empty() || !settings.exclude_ous.is_empty();
                match units || settings.ou_paths {
                    true => within_units(&caller, accounts, settings).await?,
                    false => (accounts, "Organizations ListAccounts".to_string()),
                }
            }
        };
        let listed = accounts.len();
        accounts.retain(|a| !settings.exclude_accounts.contains(&a.id));
        if accounts.is_empty() {
            return Err(match listed {
                0 => format!("no accounts to scan: {account_source} names none"),
                _ => "no accounts left to scan after --exclude-accounts".to_string(),
            });
        }
        let (regions, region_source) = match &settings.regions {
            Regions::Default => (vec![home_region], "the default region".to_string()),
            Regions::List(regions) => (regions.clone(), "--regions / config".to_string()),
            Regions::All => {
                let regions = caller
                    .enabled_regions(&identity)
                    .await
                    .map_err(|e| format!("cannot list regions (ec2:DescribeRegions): {e}"))?;
                (regions, "all enabled regions (ec2:DescribeRegions)".to_string())
            }
        };
        let access = accounts.iter().map(|a| (a.id.clone(), Mutex::new(None))).collect();
        Ok(Estate {
            caller,
            identity,
            accounts,
            regions,
            all_regions: settings.regions == Regions::All,
            sources: (account_source, region_source),
            notes,
            credentials_source: match &settings.profile {
                Some(profile) => format!("profile {profile}"),
                None => "the standard credential chain".to_string(),
            },
            role_name: settings.role_name.clone(),
            external_id: settings.external_id.clone(),
            access,
        })
    }

    /// The target for one account and region; assumes the account's role on first use.
    pub async fn target(
        &self,
        account: &str,
        region: &str,
        row_regions: Option<Arc<Vec<String>>>,
    ) -> Result<Target, FetchError> {
        let config = self.account_config(account).await?;
        Ok(Target {
            account_id: account.to_string(),
            region: region.to_string(),
            partition: self.identity.partition.clone(),
            config: config.to_builder().region(Region::new(region.to_string())).build(),
            interceptor: self.caller.interceptor.clone(),
            row_regions,
            retry_partition: None,
        })
    }

    async fn account_config(&self, account: &str) -> Result<SdkConfig, FetchError> {
        if account == self.identity.account_id {
            return Ok(self.caller.config.clone());
        }
        let slot = self
            .access
            .get(account)
            .ok_or_else(|| FetchError::internal(format!("account {account} is not in scope")))?;
        // Held across AssumeRole, so concurrent first uses of an account assume once.
        let mut slot = slot.lock().await;
        match &*slot {
            Some(Access::Assumed { config, renew_at }) if *renew_at > SystemTime::now() => {
                return Ok((**config).clone());
            }
            Some(Access::Failed { error, at }) if at.elapsed() < FAILURE_MEMORY => {
                return Err(error.clone());
            }
            _ => {}
        }
        let assumed =
            self.caller.assume_role(&self.identity, account, &self.role_name, self.external_id.as_deref()).await;
        let (access, result) = match assumed {
            Ok((config, expires)) => {
                let lifetime = expires.duration_since(SystemTime::now()).unwrap_or_default();
                let renew_at = expires - REFRESH_MARGIN.min(lifetime / 4);
                (Access::Assumed { config: Box::new(config.clone()), renew_at }, Ok(config))
            }
            Err(error) => (Access::Failed { error: error.clone(), at: Instant::now() }, Err(error)),
        };
        *slot = Some(access);
        result
    }
}

/// The organization's ACTIVE accounts, and a note for each other one; an organization
/// without any is an error that says so.
async fn organization_accounts(caller: &Caller, identity: &Identity) -> Result<(Vec<Account>, Vec<String>), String> {
    let members = caller
        .organization_accounts(identity)
        .await
        .map_err(|e| format!("cannot list the organization's accounts (organizations:ListAccounts): {e}"))?;
    if members.is_empty() {
        return Err(format!(
            "organizations:ListAccounts listed no accounts for {}: is it the management account or a delegated \
             administrator of an organization?",
            identity.arn
        ));
    }
    let listed = members.len();
    let (active, inactive): (Vec<_>, Vec<_>) = members.into_iter().partition(|m| m.active());
    if active.is_empty() {
        return Err(format!("none of the organization's {listed} accounts is ACTIVE"));
    }
    let notes = match inactive.len() {
        0 => Vec::new(),
        n => {
            let listed: Vec<String> = inactive.iter().map(|m| format!("{} ({})", m.id, m.state)).collect();
            vec![format!("{n} account{} not ACTIVE, not scanned: {}", if n == 1 { "" } else { "s" }, listed.join(", "))]
        }
    };
    Ok((
        active.into_iter().map(|m| Account { id: m.id, name: m.name, ou_path: None, ou_ids: Vec::new() }).collect(),
        notes,
    ))
}

/// The accounts under the OUs the settings select (nested OUs included) and not under
/// those they exclude, each with its OU path; and where they came from, for the user.
async fn within_units(
    caller: &Caller,
    accounts: Vec<Account>,
    settings: &Settings,
) -> Result<(Vec<Account>, String), String> {
    let tree = caller.organization_tree().await.map_err(|e| {
        format!("cannot read the organization's OUs (organizations:ListOrganizationalUnitsForParent): {e}")
    })?;
    if let Some(unknown) = settings.ous.iter().chain(&settings.exclude_ous).find(|unit| !tree.has(unit)) {
        return Err(format!("the organization has no OU or root {unknown}"));
    }
    let selected = |account: &Account| {
        (settings.ous.is_empty() || settings.ous.iter().any(|unit| tree.within(&account.id, unit)))
            && !settings.exclude_ous.iter().any(|unit| tree.within(&account.id, unit))
    };
    let accounts: Vec<Account> = accounts
        .into_iter()
        .filter(selected)
        .map(|account| Account {
            ou_path: tree.path(&account.id).map(str::to_string),
            ou_ids: tree.ancestors(&account.id),
            ..account
        })
        .collect();
    if accounts.is_empty() {
        return Err("no ACTIVE account is under the OUs selected (--ou, --exclude-ou)".into());
    }
    let mut source = "Organizations ListAccounts".to_string();
    if !settings.ous.is_empty() {
        source.push_str(&format!(", under {}", settings.ous.join(", ")));
    }
    if !settings.exclude_ous.is_empty() {
        source.push_str(&format!(", not under {}", settings.exclude_ous.join(", ")));
    }
    Ok((accounts, source))
}
