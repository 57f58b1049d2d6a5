//! The estate a query runs over: the accounts and regions in scope, and credentials for
//! each account, assumed lazily, once, and refreshed before they expire.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_organizations::types::{AccountState, AccountStatus};
use cove_tables::{FetchError, Target};
use tokio::sync::Mutex;

use crate::guard::Guard;
use crate::settings::{Accounts, Regions, Settings};

/// Assumed credentials are renewed when they have less than this left.
const REFRESH_MARGIN: Duration = Duration::from_secs(300);
/// A denied AssumeRole is not retried for this long, so the regions of one account
/// do not each ask again.
const FAILURE_MEMORY: Duration = Duration::from_secs(60);

#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub name: Option<String>,
}

enum Access {
    Assumed { config: Box<SdkConfig>, expires: SystemTime },
    Failed { error: FetchError, at: Instant },
}

pub struct Estate {
    base: SdkConfig,
    guard: Guard,
    pub caller_account: String,
    pub partition: String,
    pub accounts: Vec<Account>,
    pub regions: Vec<String>,
    /// Regions came from `all`: a region an account has not enabled is skipped, not an error.
    pub all_regions: bool,
    /// Where the accounts and regions came from, for the user.
    pub sources: (String, String),
    role_name: String,
    external_id: Option<String>,
    access: HashMap<String, Mutex<Option<Access>>>,
}

/// The SDK configuration from the standard chain (environment, profile, SSO, ...),
/// with cove's retry and timeout policy.
pub async fn load_base_config(settings: &Settings) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(RetryConfig::standard().with_max_attempts(4))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_attempt_timeout(Duration::from_secs(30))
                .build(),
        );
    if let Some(profile) = &settings.profile {
        loader = loader.profile_name(profile);
    }
    if let Regions::List(regions) = &settings.regions {
        loader = loader.region(Region::new(regions[0].clone()));
    }
    loader.load().await
}

impl Estate {
    /// Identifies the caller and resolves the accounts and regions in scope.
    pub async fn discover(base: SdkConfig, settings: &Settings, guard: Guard) -> Result<Estate, String> {
        let Some(home_region) = base.region().map(|r| r.to_string()) else {
            return Err("no AWS region: pass --regions, set AWS_REGION, or give the profile a region".into());
        };
        let sts = aws_sdk_sts::Client::from_conf(
            aws_sdk_sts::config::Builder::from(&base).interceptor(guard.interceptor()).build(),
        );
        let identity = sts
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| format!("cannot identify the caller (sts:GetCallerIdentity): {}", FetchError::from(e)))?;
        let caller_account = identity.account().unwrap_or_default().to_string();
        let partition = identity.arn().and_then(|arn| arn.split(':').nth(1)).unwrap_or("aws").to_string();

        let (mut accounts, account_source) = match &settings.accounts {
            Accounts::Caller => {
                (vec![Account { id: caller_account.clone(), name: None }], "the caller's account".to_string())
            }
            Accounts::List(ids) => (
                ids.iter().map(|id| Account { id: id.clone(), name: None }).collect(),
                "--accounts / config".to_string(),
            ),
            Accounts::Organization => {
                (organization_accounts(&base, &guard).await?, "Organizations ListAccounts".to_string())
            }
        };
        accounts.retain(|a| !settings.exclude_accounts.contains(&a.id));
        if accounts.is_empty() {
            return Err("no accounts left to scan after --exclude-accounts".into());
        }
        let (regions, region_source) = match &settings.regions {
            Regions::Default => (vec![home_region], "the default region".to_string()),
            Regions::List(regions) => (regions.clone(), "--regions / config".to_string()),
            Regions::All => {
                (enabled_regions(&base, &guard).await?, "all enabled regions (ec2:DescribeRegions)".to_string())
            }
        };
        let access = accounts.iter().map(|a| (a.id.clone(), Mutex::new(None))).collect();
        Ok(Estate {
            base,
            guard,
            caller_account,
            partition,
            accounts,
            regions,
            all_regions: settings.regions == Regions::All,
            sources: (account_source, region_source),
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
            partition: self.partition.clone(),
            config: config.to_builder().region(Region::new(region.to_string())).build(),
            interceptor: self.guard.interceptor(),
            row_regions,
        })
    }

    async fn account_config(&self, account: &str) -> Result<SdkConfig, FetchError> {
        if account == self.caller_account {
            return Ok(self.base.clone());
        }
        let slot = self
            .access
            .get(account)
            .ok_or_else(|| FetchError::internal(format!("account {account} is not in scope")))?;
        // Held across AssumeRole, so concurrent first uses of an account assume once.
        let mut slot = slot.lock().await;
        match &*slot {
            Some(Access::Assumed { config, expires }) if *expires > SystemTime::now() + REFRESH_MARGIN => {
                return Ok((**config).clone());
            }
            Some(Access::Failed { error, at }) if at.elapsed() < FAILURE_MEMORY => {
                return Err(error.clone());
            }
            _ => {}
        }
        let (access, result) = match self.assume_role(account).await {
            Ok((config, expires)) => (Access::Assumed { config: Box::new(config.clone()), expires }, Ok(config)),
            Err(error) => (Access::Failed { error: error.clone(), at: Instant::now() }, Err(error)),
        };
        *slot = Some(access);
        result
    }

    async fn assume_role(&self, account: &str) -> Result<(SdkConfig, SystemTime), FetchError> {
        let role_arn = format!("arn:{}:iam::{account}:role/{}", self.partition, self.role_name);
        let sts = aws_sdk_sts::Client::from_conf(
            aws_sdk_sts::config::Builder::from(&self.base).interceptor(self.guard.interceptor()).build(),
        );
        let out = sts
            .assume_role()
            .role_arn(&role_arn)
            .role_session_name("cove")
            .set_external_id(self.external_id.clone())
            .send()
            .await
            .map_err(|e| {
                let e = FetchError::from(e);
                FetchError::new(e.code, format!("sts:AssumeRole {role_arn}: {}", e.message))
            })?;
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
        let config = self.base.to_builder().credentials_provider(SharedCredentialsProvider::new(credentials)).build();
        Ok((config, expires))
    }
}

async fn organization_accounts(base: &SdkConfig, guard: &Guard) -> Result<Vec<Account>, String> {
    let organizations = aws_sdk_organizations::Client::from_conf(
        aws_sdk_organizations::config::Builder::from(base).interceptor(guard.interceptor()).build(),
    );
    let mut pages = organizations.list_accounts().into_paginator().send();
    let mut accounts = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            format!("cannot list the organization's accounts (organizations:ListAccounts): {}", FetchError::from(e))
        })?;
        for account in page.accounts() {
            let active = match account.state() {
                Some(state) => *state == AccountState::Active,
                #[allow(deprecated)]
                None => account.status() == Some(&AccountStatus::Active),
            };
            if let (true, Some(id)) = (active, account.id()) {
                accounts.push(Account { id: id.to_string(), name: account.name().map(str::to_string) });
            }
        }
    }
    accounts.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(accounts)
}

async fn enabled_regions(base: &SdkConfig, guard: &Guard) -> Result<Vec<String>, String> {
    let ec2 = aws_sdk_ec2::Client::from_conf(
        aws_sdk_ec2::config::Builder::from(base).interceptor(guard.interceptor()).build(),
    );
    let out = ec2
        .describe_regions()
        .send()
        .await
        .map_err(|e| format!("cannot list regions (ec2:DescribeRegions): {}", FetchError::from(e)))?;
    let mut regions: Vec<String> = out
        .regions()
        .iter()
        .filter(|r| matches!(r.opt_in_status(), None | Some("opt-in-not-required" | "opted-in")))
        .filter_map(|r| r.region_name().map(str::to_string))
        .collect();
    regions.sort();
    Ok(regions)
}
