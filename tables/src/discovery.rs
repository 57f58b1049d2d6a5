//! What the engine asks before any table is scanned: who the caller is, which accounts
//! of its organization and which regions are in reach, and credentials in another
//! account. The organization and region tables' own list functions answer.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_organizations::types::{AccountState, AccountStatus};
use aws_smithy_runtime::client::retries::{RetryPartition, TokenBucket};
use aws_smithy_runtime_api::client::interceptors::SharedInterceptor;
use futures::TryStreamExt;

use crate::context::{Quals, ScanContext, Target};
use crate::error::FetchError;
use crate::pages;
use crate::schema::Call;
use crate::services::{ec2, organizations};

/// The read calls discovery makes.
pub const CALLS: &[Call] = &[
    Call::new("sts", "GetCallerIdentity"),
    Call::new("sts", "AssumeRole"),
    Call::new("organizations", "ListAccounts"),
    Call::new("organizations", "DescribeOrganization"),
    Call::new("organizations", "ListRoots"),
    Call::new("organizations", "ListOrganizationalUnitsForParent"),
    Call::new("organizations", "ListAccountsForParent"),
    Call::new("ec2", "DescribeRegions"),
];

/// The credentials and interceptor discovery calls AWS with.
#[derive(Clone)]
pub struct Caller {
    pub config: SdkConfig,
    pub interceptor: SharedInterceptor,
    /// The caller's own calls (the organization's pages, then AssumeRole into every
    /// account) are throttled as one account's: one partition per service, whose retries
    /// never run out, so that a throttled AssumeRole costs time, not an account.
    sts_retries: RetryPartition,
    organizations_retries: RetryPartition,
}

/// Who the caller's credentials belong to.
#[derive(Debug, Clone)]
pub struct Identity {
    pub account_id: String,
    pub partition: String,
    pub arn: String,
}

/// An account of the organization.
#[derive(Debug, Clone)]
pub struct Member {
    pub id: String,
    pub name: Option<String>,
    /// ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED, ...
    pub state: String,
}

impl Member {
    /// Not suspended, closed or on its way to either.
    pub fn active(&self) -> bool {
        self.state == AccountState::Active.as_str()
    }
}

/// Where the organization's accounts sit: its roots and organizational units.
#[derive(Debug, Clone, Default)]
pub struct OrgTree {
    /// Root or OU id -> (its parent's id, its path of names: `Root/Workloads/Prod`).
    units: HashMap<String, (Option<String>, String)>,
    /// Account id -> the id of the root or OU it sits in.
    parents: HashMap<String, String>,
}

impl OrgTree {
    /// Whether `unit` (a root or OU id) is in the organization.
    pub fn has(&self, unit: &str) -> bool {
        self.units.contains_key(unit)
    }

    /// The path of names to the OU the account sits in.
    pub fn path(&self, account: &str) -> Option<&str> {
        self.units.get(self.parents.get(account)?).map(|(_, path)| path.as_str())
    }

    /// The ids of the OU the account sits in and of every OU (and root) above it.
    pub fn ancestors(&self, account: &str) -> Vec<String> {
        let mut ids = Vec::new();
        let mut at = self.parents.get(account);
        while let Some(id) = at {
            ids.push(id.clone());
            at = self.units.get(id).and_then(|(parent, _)| parent.as_ref());
        }
        ids
    }

    /// Whether the account sits in `unit` or in an OU nested in it.
    pub fn within(&self, account: &str, unit: &str) -> bool {
        self.ancestors(account).iter().any(|id| id == unit)
    }
}

impl Caller {
    pub fn new(config: SdkConfig, interceptor: SharedInterceptor) -> Caller {
        let partition =
            |name: &'static str| RetryPartition::custom(name).token_bucket(TokenBucket::unlimited()).build();
        Caller {
            config,
            interceptor,
            sts_retries: partition("cove-caller-sts"),
            organizations_retries: partition("cove-caller-organizations"),
        }
    }

    fn sts(&self) -> aws_sdk_sts::Client {
        let config = aws_sdk_sts::config::Builder::from(&self.config)
            .interceptor(self.interceptor.clone())
            .retry_partition(self.sts_retries.clone())
            .build();
        aws_sdk_sts::Client::from_conf(config)
    }

    /// A scan context in the caller's own account and home region, for the tables'
    /// list functions discovery reuses.
    fn scan(&self, identity: &Identity) -> ScanContext {
        let target = Target {
            account_id: identity.account_id.clone(),
            region: self.config.region().map(|r| r.to_string()).unwrap_or_default(),
            partition: identity.partition.clone(),
            config: self.config.clone(),
            interceptor: self.interceptor.clone(),
            row_regions: None,
            // Its tables' calls here are the organization's accounts and the regions.
            retry_partition: Some(self.organizations_retries.clone()),
        };
        ScanContext { target: Arc::new(target), quals: Arc::new(Quals::default()), limit: None }
    }

    /// sts:GetCallerIdentity.
    pub async fn identity(&self) -> Result<Identity, FetchError> {
        let out = self.sts().get_caller_identity().send().await?;
        let arn = out.arn().unwrap_or_default().to_string();
        Ok(Identity {
            account_id: out.account().unwrap_or_default().to_string(),
            partition: arn.split(':').nth(1).filter(|p| !p.is_empty()).unwrap_or("aws").to_string(),
            arn,
        })
    }

    /// Every account of the caller's organization, sorted by id. Fails, saying why, when
    /// the caller's account belongs to no organization or may not list its accounts.
    pub async fn organization_accounts(&self, identity: &Identity) -> Result<Vec<Member>, FetchError> {
        let pages = organizations::list_accounts(&self.scan(identity));
        let accounts: Vec<_> = pages.try_concat().await.map_err(|error| match error.code.as_str() {
            organizations::NOT_IN_USE => {
                let message = format!("account {} belongs to no organization", identity.account_id);
                FetchError { message, ..error }
            }
            organizations::ACCESS_DENIED => {
                let message = format!(
                    "{} may not list the organization's accounts: use the management account or a delegated administrator",
                    identity.arn
                );
                FetchError { message, ..error }
            }
            _ => error,
        })?;
        let mut members: Vec<Member> = accounts
            .into_iter()
            .filter_map(|account| {
                #[allow(deprecated)]
                let state = match (account.state(), account.status()) {
                    (Some(state), _) => state.as_str().to_string(),
                    (None, Some(status)) => status.as_str().to_string(),
                    (None, None) => AccountStatus::Active.as_str().to_string(),
                };
                Some(Member { id: account.id?, name: account.name, state })
            })
            .collect();
        members.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(members)
    }

    /// The organization's roots, OUs (nested) and which OU each account sits in: one
    /// ListRoots, then per root or OU one listing of its OUs and one of its accounts.
    pub async fn organization_tree(&self) -> Result<OrgTree, FetchError> {
        let config = aws_sdk_organizations::config::Builder::from(&self.config)
            .interceptor(self.interceptor.clone())
            .retry_partition(self.organizations_retries.clone())
            .build();
        let organizations = aws_sdk_organizations::Client::from_conf(config);
        let roots = pages::all(|token| async {
            let out = organizations.list_roots().set_next_token(token).send().await?;
            Ok((out.roots.unwrap_or_default(), out.next_token))
        })
        .await?;
        let mut tree = OrgTree::default();
        let mut queue: Vec<(String, Option<String>, String)> =
            roots.into_iter().filter_map(|r| Some((r.id?, None, r.name.unwrap_or_else(|| "Root".into())))).collect();
        while let Some((id, parent, path)) = queue.pop() {
            let units = pages::all(|token| async {
                let request = organizations.list_organizational_units_for_parent().parent_id(&id);
                let out = request.set_next_token(token).send().await?;
                Ok((out.organizational_units.unwrap_or_default(), out.next_token))
            });
            for unit in units.await? {
                if let Some(child) = unit.id {
                    let name = unit.name.unwrap_or_else(|| child.clone());
                    queue.push((child, Some(id.clone()), format!("{path}/{name}")));
                }
            }
            let accounts = pages::all(|token| async {
                let out = organizations.list_accounts_for_parent().parent_id(&id).set_next_token(token).send().await?;
                Ok((out.accounts.unwrap_or_default(), out.next_token))
            });
            for account in accounts.await? {
                if let Some(account) = account.id {
                    tree.parents.insert(account, id.clone());
                }
            }
            tree.units.insert(id, (parent, path));
        }
        Ok(tree)
    }

    /// The regions enabled for the caller's account, sorted.
    pub async fn enabled_regions(&self, identity: &Identity) -> Result<Vec<String>, FetchError> {
        let regions = ec2::list_regions(self.scan(identity)).try_concat().await?;
        let mut enabled: Vec<String> = regions
            .into_iter()
            .filter(|r| matches!(r.opt_in_status(), None | Some("opt-in-not-required" | "opted-in")))
            .filter_map(|r| r.region_name)
            .collect();
        enabled.sort();
        Ok(enabled)
    }

    /// Credentials in `account` through sts:AssumeRole into `role_name`, as a config for
    /// that account, and when they expire.
    pub async fn assume_role(
        &self,
        identity: &Identity,
        account: &str,
        role_name: &str,
        external_id: Option<&str>,
    ) -> Result<(SdkConfig, SystemTime), FetchError> {
        let role_arn = format!("arn:{}:iam::{account}:role/{role_name}", identity.partition);
        let request = self.sts().assume_role().role_arn(&role_arn).role_session_name("cove");
        let out = request
            .set_external_id(external_id.map(str::to_string))
            .send()
            .await
            .map_err(|e| FetchError::from(e).context(format!("sts:AssumeRole {role_arn}")))?;
        let c = out.credentials.ok_or_else(|| FetchError::internal("AssumeRole returned no credentials"))?;
        let expires =
            SystemTime::try_from(*c.expiration()).unwrap_or_else(|_| SystemTime::now() + Duration::from_secs(900));
        let credentials = Credentials::new(
            c.access_key_id,
            c.secret_access_key,
            Some(c.session_token),
            Some(expires),
            "cove-assume-role",
        );
        let provider = SharedCredentialsProvider::new(credentials);
        Ok((self.config.to_builder().credentials_provider(provider).build(), expires))
    }
}
