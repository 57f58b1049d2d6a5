//! Suppressions: rules that mute matching alarms, each with a reason and an expiry.
//!
//! A rule matches an alarm when every field it gives matches (a list matches any of its
//! values); an alarm matched by any rule is muted. An expired rule stops applying and is
//! warned about; a rule that matched nothing is listed, so allowlists do not rot unseen;
//! a rule that matched most of a run's alarms is warned about, so none mutes a run unseen.

use std::path::Path;

use chrono::NaiveDate;
use glob::Pattern;
use serde::Deserialize;

use super::runner::{Muted, Outcome, Status};

/// The file: `[[suppress]]` tables.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    suppress: Vec<Rule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Rule {
    /// Where it was declared, for messages: `FILE rule N`.
    #[serde(skip)]
    name: String,
    /// Control id, or a glob of ids.
    #[serde(default, deserialize_with = "glob")]
    control: Option<Pattern>,
    accounts: Option<Vec<String>>,
    /// OU (or root) ids: the accounts under them, nested OUs included.
    ous: Option<Vec<String>>,
    regions: Option<Vec<String>>,
    /// Resource, or a glob of resources.
    #[serde(default, deserialize_with = "glob")]
    resource: Option<Pattern>,
    /// Tags the finding's resource must carry (a control returning a `tags` column).
    tags: Option<std::collections::BTreeMap<String, String>>,
    reason: String,
    /// The last day the rule applies.
    #[serde(deserialize_with = "date")]
    expires: NaiveDate,
}

fn glob<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Pattern>, D::Error> {
    let text = String::deserialize(deserializer)?;
    Pattern::new(&text).map(Some).map_err(|e| serde::de::Error::custom(format!("the pattern {text:?}: {e}")))
}

fn date<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<NaiveDate, D::Error> {
    let text = String::deserialize(deserializer)?;
    NaiveDate::parse_from_str(&text, "%Y-%m-%d")
        .map_err(|_| serde::de::Error::custom(format!("expires {text:?} is not a date (YYYY-MM-DD)")))
}

#[derive(Default)]
pub struct Suppressions {
    rules: Vec<Rule>,
}

impl Suppressions {
    /// Reads suppression files; a malformed one is an error naming it.
    pub fn load(paths: &[impl AsRef<Path>]) -> Result<Suppressions, String> {
        let mut rules = Vec::new();
        for path in paths {
            let path = path.as_ref();
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read suppressions {}: {e}", path.display()))?;
            let file: File =
                toml::from_str(&text).map_err(|e| format!("suppressions {}: {}", path.display(), e.message()))?;
            for (index, rule) in file.suppress.into_iter().enumerate() {
                rules.push(Rule { name: format!("{} rule {}", path.display(), index + 1), ..rule }.checked()?);
            }
        }
        Ok(Suppressions { rules })
    }

    /// Mutes the alarms a rule in force on `today` matches; returns warnings for expired
    /// rules, rules that matched nothing and rules that matched more than half the alarms.
    pub fn apply(&self, outcomes: &mut [Outcome], today: NaiveDate) -> Vec<String> {
        let mut matched = vec![0; self.rules.len()];
        let mut alarms = 0;
        for outcome in outcomes.iter_mut() {
            let control = outcome.control.id.clone();
            for finding in outcome.findings.iter_mut().filter(|f| f.status == Status::Alarm) {
                alarms += 1;
                let applies = |rule: &&Rule| rule.expires >= today && rule.matches(&control, finding);
                // Every rule in force that matches is counted as used, not only the first.
                let mut first = None;
                for (index, rule) in self.rules.iter().enumerate().filter(|(_, r)| applies(r)) {
                    matched[index] += 1;
                    first.get_or_insert(rule);
                }
                if let Some(rule) = first {
                    finding.status = Status::Muted;
                    finding.muted = Some(Muted {
                        reason: rule.reason.clone(),
                        expires: rule.expires.to_string(),
                        rule: rule.name.clone(),
                    });
                }
            }
        }
        let mut warnings = Vec::new();
        for (rule, matched) in self.rules.iter().zip(matched) {
            if rule.expires < today {
                warnings
                    .push(format!("{} expired on {} and no longer applies: {}", rule.name, rule.expires, rule.reason));
            } else if matched == 0 {
                warnings.push(format!("{} matched no alarm: remove it if what it mutes is gone", rule.name));
            } else if matched * 2 > alarms {
                warnings.push(format!(
                    "{} mutes {matched} of the run's {alarms} alarms: make sure it is no broader than meant",
                    rule.name
                ));
            }
        }
        warnings
    }
}

impl Rule {
    /// The rule, if it says why and narrows what it mutes.
    fn checked(self) -> Result<Rule, String> {
        if self.reason.trim().is_empty() {
            return Err(format!("{}: a suppression needs a reason", self.name));
        }
        let narrows = [self.control.is_some(), self.resource.is_some(), self.accounts.is_some(), self.ous.is_some()];
        // `tags = {}` requires nothing of an alarm: on its own it would mute every one.
        if self.tags.as_ref().is_some_and(|tags| tags.is_empty()) {
            return Err(format!("{}: tags = {{}} names no tag; give the tags to match, or leave tags out", self.name));
        }
        if !narrows.contains(&true) && self.tags.is_none() {
            return Err(format!("{}: a suppression names a control, resource, account, OU or tags", self.name));
        }
        Ok(self)
    }

    fn matches(&self, control: &str, finding: &super::runner::Finding) -> bool {
        let listed =
            |list: &Option<Vec<String>>, value: &str| list.as_ref().is_none_or(|l| l.iter().any(|v| v == value));
        self.control.as_ref().is_none_or(|p| p.matches(control))
            && self.resource.as_ref().is_none_or(|p| p.matches(&finding.resource))
            && listed(&self.accounts, &finding.account_id)
            && self.ous.as_ref().is_none_or(|ous| finding.ou_ids.iter().any(|id| ous.contains(id)))
            && listed(&self.regions, &finding.region)
            && self.tags.as_ref().is_none_or(|wanted| {
                wanted.iter().all(|(key, value)| finding.tags.get(key).is_some_and(|v| v == value))
            })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::check::control::Control;
    use crate::check::runner::Finding;

    fn finding(resource: &str, account: &str, region: &str, tags: &[(&str, &str)]) -> Finding {
        in_ous(resource, account, region, tags, &[])
    }

    fn in_ous(resource: &str, account: &str, region: &str, tags: &[(&str, &str)], ous: &[&str]) -> Finding {
        let mut finding = Finding::new(resource.into(), Status::Alarm, "bad".into(), account.into(), region.into());
        finding.ou_ids = ous.iter().map(|o| o.to_string()).collect();
        finding.tags = tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>();
        finding
    }

    fn outcome(id: &str, findings: Vec<Finding>) -> Outcome {
        let sql = format!("-- id: {id}\n-- title: T\n-- severity: low\nSELECT 1");
        let control = Control::parse("t.sql", &sql).unwrap();
        Outcome { control, findings, resolved: Vec::new(), not_checked: Vec::new(), checked: Default::default() }
    }

    fn rules(toml: &str) -> Result<Suppressions, String> {
        let dir = std::env::temp_dir().join(format!("cove-suppress-{}-{}", std::process::id(), toml.len()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("s.toml");
        std::fs::write(&path, toml).unwrap();
        let loaded = Suppressions::load(&[&path]);
        std::fs::remove_dir_all(dir).unwrap();
        loaded
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn muted(outcomes: &[Outcome]) -> Vec<String> {
        outcomes
            .iter()
            .flat_map(|o| &o.findings)
            .filter(|f| f.status == Status::Muted)
            .map(|f| f.resource.clone())
            .collect()
    }

    #[test]
    fn each_matcher_narrows_and_rules_are_ored() {
        let s = rules(
            r#"
[[suppress]]
control = "s3_*"
resource = "arn:aws:s3:::logs-*"
reason = "log buckets are public by design"
expires = "2099-01-01"

[[suppress]]
accounts = ["222222222222"]
regions = ["eu-west-1"]
reason = "sandbox"
expires = "2099-01-01"

[[suppress]]
tags = { Environment = "dev" }
reason = "dev resources"
expires = "2099-01-01"
"#,
        )
        .unwrap();
        let mut outcomes = vec![
            outcome(
                "s3_public",
                vec![
                    finding("arn:aws:s3:::logs-1", "111111111111", "us-east-1", &[]),
                    finding("arn:aws:s3:::data", "111111111111", "us-east-1", &[]),
                ],
            ),
            outcome(
                "ec2_public",
                vec![
                    finding("arn:aws:s3:::logs-2", "111111111111", "us-east-1", &[]),
                    finding("i-1", "222222222222", "eu-west-1", &[]),
                    finding("i-2", "222222222222", "us-east-1", &[]),
                    finding("i-3", "111111111111", "us-east-1", &[("Environment", "dev")]),
                    finding("i-4", "111111111111", "us-east-1", &[("Environment", "prod")]),
                ],
            ),
        ];
        let warnings = s.apply(&mut outcomes, day("2026-11-25"));
        assert_eq!(muted(&outcomes), ["arn:aws:s3:::logs-1", "i-1", "i-3"]);
        assert!(warnings.is_empty(), "{warnings:?}");
        let muted_by = outcomes[1].findings[1].muted.as_ref().unwrap();
        assert_eq!((muted_by.reason.as_str(), muted_by.expires.as_str()), ("sandbox", "2099-01-01"));
    }

    #[test]
    fn ou_rules_match_accounts_under_the_ou() {
        let s = rules("[[suppress]]\nous = [\"ou-ab12-sandbox1\"]\nreason = \"sandboxes\"\nexpires = \"2099-01-01\"\n")
            .unwrap();
        let nested = in_ous("x", "111111111111", "us-east-1", &[], &["ou-ab12-team0001", "ou-ab12-sandbox1", "r-ab12"]);
        let elsewhere = in_ous("y", "222222222222", "us-east-1", &[], &["ou-ab12-prod0001", "r-ab12"]);
        let mut outcomes = vec![outcome("c", vec![nested, elsewhere])];
        s.apply(&mut outcomes, day("2026-11-25"));
        assert_eq!(muted(&outcomes), ["x"]);
    }

    #[test]
    fn expired_rules_warn_and_stop_applying_and_unused_rules_are_listed() {
        let s = rules(
            "[[suppress]]\ncontrol = \"a\"\nreason = \"r\"\nexpires = \"2026-11-24\"\n\n\
             [[suppress]]\ncontrol = \"nothing_*\"\nreason = \"r\"\nexpires = \"2026-11-25\"\n",
        )
        .unwrap();
        let mut outcomes = vec![outcome("a", vec![finding("x", "111111111111", "us-east-1", &[])])];
        let warnings = s.apply(&mut outcomes, day("2026-11-25"));
        assert!(muted(&outcomes).is_empty());
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].ends_with("rule 1 expired on 2026-11-24 and no longer applies: r"), "{warnings:?}");
        assert!(warnings[1].ends_with("rule 2 matched no alarm: remove it if what it mutes is gone"), "{warnings:?}");
    }

    #[test]
    fn malformed_rules_are_refused() {
        let no_reason = rules("[[suppress]]\ncontrol = \"a\"\nreason = \" \"\nexpires = \"2027-01-01\"\n");
        assert!(no_reason.err().unwrap().ends_with("rule 1: a suppression needs a reason"));
        let no_date = rules("[[suppress]]\ncontrol = \"a\"\nreason = \"r\"\n");
        assert!(no_date.err().unwrap().contains("missing field `expires`"));
        let bad_date = rules("[[suppress]]\ncontrol = \"a\"\nreason = \"r\"\nexpires = \"soon\"\n");
        assert!(bad_date.err().unwrap().contains("is not a date"));
        let matches_all = rules("[[suppress]]\nregions = [\"us-east-1\"]\nreason = \"r\"\nexpires = \"2027-01-01\"\n");
        assert!(matches_all.err().unwrap().contains("names a control, resource, account, OU or tags"));
        let no_tag = rules("[[suppress]]\ntags = {}\nreason = \"r\"\nexpires = \"2027-01-01\"\n");
        assert!(
            no_tag
                .err()
                .unwrap()
                .ends_with("rule 1: tags = {} names no tag; give the tags to match, or leave tags out")
        );
    }

    #[test]
    fn a_rule_muting_more_than_half_the_alarms_is_warned_about() {
        let s = rules(
            "[[suppress]]\nregions = [\"us-east-1\"]\ncontrol = \"*\"\nreason = \"r\"\nexpires = \"2099-01-01\"\n\n\
             [[suppress]]\nresource = \"i-1\"\nreason = \"r\"\nexpires = \"2099-01-01\"\n",
        )
        .unwrap();
        let alarm = |resource: &str, region: &str| finding(resource, "111111111111", region, &[]);
        let mut outcomes = vec![
            outcome("a", vec![alarm("i-1", "us-east-1"), alarm("i-2", "us-east-1")]),
            outcome("b", vec![alarm("i-3", "us-east-1"), alarm("i-4", "eu-west-1")]),
        ];
        let warnings = s.apply(&mut outcomes, day("2026-11-25"));
        assert_eq!(muted(&outcomes), ["i-1", "i-2", "i-3"]);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].ends_with("rule 1 mutes 3 of the run's 4 alarms: make sure it is no broader than meant"),
            "{warnings:?}"
        );
    }
}
