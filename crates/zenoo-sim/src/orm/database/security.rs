//! Access rights and record rules from data, as Odoo evaluates them: the
//! database's own `res.groups`, `ir.model.access`, `ir.rule` and `ir.model`
//! records (a fixture's `rules/` folder), for any model.
//!
//! - A user may perform an operation on a model when an active access right
//!   for the model grants it to everyone or to one of the user's groups
//!   (the groups the user is in, and those they imply).
//! - Record rules restrict which records: the global rules (no groups) all
//!   apply; of the group rules, those of the user's groups are OR-ed.
//!   Searches are filtered; reading, writing or deleting a record outside
//!   the rules is Odoo's record-level AccessError.
//! - The superuser (uid 1) bypasses both.

use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};
use serde_json::{Map, Value};

use crate::error::{OdooException, OdooResult};
use crate::orm::database::{Database, Env};
use crate::orm::domain_syntax::Filter;
use crate::orm::rule_eval::{RuleContext, eval_domain};
use crate::version::OdooVersion;

/// The models whose records define the rules.
pub const SECURITY_MODELS: &[&str] = &[
    "res.groups",
    "ir.model.access",
    "ir.rule",
    "ir.model",
    "res.users",
];

/// Index of an operation in the permission arrays.
fn slot(operation: &str) -> usize {
    match operation {
        "write" => 1,
        "create" => 2,
        "unlink" => 3,
        _ => 0,
    }
}

const PERMS: [&str; 4] = ["perm_read", "perm_write", "perm_create", "perm_unlink"];

#[derive(Debug)]
struct Right {
    group: Option<i64>,
    perms: [bool; 4],
}

#[derive(Debug)]
struct Rule {
    name: String,
    groups: Vec<i64>,
    domain: String,
    perms: [bool; 4],
}

#[derive(Debug)]
struct Group {
    display_name: String,
    /// `Category/Name` (`full_name`), as access errors list groups.
    full_name: String,
    implied: Vec<i64>,
}

/// The security data of one database, indexed by model.
#[derive(Debug, Default)]
pub struct Security {
    rights: FxHashMap<String, Vec<Right>>,
    rules: FxHashMap<String, Vec<Rule>>,
    groups: FxHashMap<i64, Group>,
}

fn id_of(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Array(a) => a.first().and_then(Value::as_i64),
        v => v.as_i64(),
    }
}

fn ids_of(v: Option<&Value>) -> Vec<i64> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default()
}

fn perms_of(rec: &crate::orm::record::Record) -> [bool; 4] {
    PERMS.map(|p| rec.get_bool(p).unwrap_or(false))
}

impl Security {
    /// The rules of `db`, when it holds access rights.
    fn load(db: &Database) -> Option<Self> {
        let access = db.tables.get("ir.model.access")?;
        let models: FxHashMap<i64, String> = db
            .tables
            .get("ir.model")?
            .records
            .iter()
            .filter_map(|(id, r)| Some((*id, r.get("model")?.as_str()?.to_string())))
            .collect();
        let active = |r: &crate::orm::record::Record| r.get_bool("active") != Some(false);
        let mut sec = Self::default();
        for rec in access.records.values().filter(|r| active(r)) {
            let Some(model) = id_of(rec.get("model_id").as_deref()).and_then(|m| models.get(&m))
            else {
                continue;
            };
            sec.rights.entry(model.clone()).or_default().push(Right {
                group: id_of(rec.get("group_id").as_deref()),
                perms: perms_of(rec),
            });
        }
        if let Some(rules) = db.tables.get("ir.rule") {
            for rec in rules.records.values().filter(|r| active(r)) {
                let Some(model) =
                    id_of(rec.get("model_id").as_deref()).and_then(|m| models.get(&m))
                else {
                    continue;
                };
                sec.rules.entry(model.clone()).or_default().push(Rule {
                    name: rec.get_str("name").unwrap_or("").to_string(),
                    groups: ids_of(rec.get("groups").as_deref()),
                    domain: rec.get_str("domain_force").unwrap_or("[]").to_string(),
                    perms: perms_of(rec),
                });
            }
        }
        if let Some(groups) = db.tables.get("res.groups") {
            for (id, rec) in &groups.records {
                let text = |k: &str| rec.get_str(k).unwrap_or("").to_string();
                let (name, display_name) = (text("name"), text("display_name"));
                // display_name is "Category / Name"; full_name drops the spaces.
                let full_name = display_name
                    .strip_suffix(&format!(" / {name}"))
                    .map_or_else(|| name.clone(), |category| format!("{category}/{name}"));
                sec.groups.insert(
                    *id,
                    Group {
                        display_name,
                        full_name,
                        implied: ids_of(rec.get("implied_ids").as_deref()),
                    },
                );
            }
        }
        Some(sec)
    }

    /// `groups` and every group they imply.
    fn closure(&self, groups: impl IntoIterator<Item = i64>) -> FxHashSet<i64> {
        let mut all = FxHashSet::default();
        let mut todo: Vec<i64> = groups.into_iter().collect();
        while let Some(g) = todo.pop() {
            if all.insert(g)
                && let Some(group) = self.groups.get(&g)
            {
                todo.extend(group.implied.iter().copied());
            }
        }
        all
    }

    /// Whether a user in `groups` has the right `operation` on `model`.
    fn allows(&self, model: &str, operation: &str, groups: &FxHashSet<i64>) -> bool {
        let i = slot(operation);
        self.rights.get(model).is_some_and(|rights| {
            rights
                .iter()
                .any(|r| r.perms[i] && r.group.is_none_or(|g| groups.contains(&g)))
        })
    }
}

impl Database {
    /// The security data, read once from the database's records (and again
    /// after they change).
    pub(crate) fn security(&self) -> Option<Arc<Security>> {
        self.security
            .get_or_init(|| Security::load(self).map(Arc::new))
            .clone()
    }

    /// Forgets the security data after a write to one of its models.
    pub(crate) fn security_changed(&mut self, model: &str) {
        if SECURITY_MODELS.contains(&model) {
            self.security = std::sync::OnceLock::new();
        }
    }

    /// The groups of `uid`, implied ones included.
    fn groups_of(&self, sec: &Security, uid: i64) -> FxHashSet<i64> {
        let field = if self.version >= OdooVersion::V19 {
            "group_ids"
        } else {
            "groups_id"
        };
        let direct = self.value("res.users", uid, field);
        sec.closure(ids_of(Some(&direct)))
    }

    /// The access-rights answer from data: `None` when the database holds
    /// no access rights (the built-in rules apply then).
    pub(crate) fn allowed_by_data(&self, model: &str, operation: &str, uid: i64) -> Option<bool> {
        let sec = self.security()?;
        Some(uid == 1 || sec.allows(model, operation, &self.groups_of(&sec, uid)))
    }

    /// The groups listed in the AccessError for `operation` on `model`: those
    /// an access right grants it to, as Odoo names them, sorted.
    pub(crate) fn groups_allowed(&self, model: &str, operation: &str) -> Option<Vec<String>> {
        let sec = self.security()?;
        let i = slot(operation);
        let mut names: Vec<String> = sec
            .rights
            .get(model)
            .into_iter()
            .flatten()
            .filter(|r| r.perms[i])
            .filter_map(|r| sec.groups.get(&r.group?))
            .map(|g| g.full_name.clone())
            .collect();
        names.sort();
        names.dedup();
        Some(names)
    }

    fn rule_context(&self, env: &Env) -> RuleContext<'_> {
        let company_ids = match env.context.get("allowed_company_ids") {
            Some(Value::Array(ids)) => ids.iter().filter_map(Value::as_i64).collect(),
            _ => self.user_companies(env.uid),
        };
        RuleContext {
            db: self,
            uid: env.uid,
            company_ids,
        }
    }

    /// The record rules of `model` for `operation` and `env`'s user as one
    /// filter; `None` when the data holds no rules, or for the superuser.
    pub(crate) fn rule_filter(
        &self,
        model: &str,
        operation: &str,
        env: &Env,
    ) -> OdooResult<Option<Filter>> {
        let Some(sec) = self.security() else {
            return Ok(None);
        };
        if env.uid == 1 {
            return Ok(None);
        }
        let Some(rules) = sec.rules.get(model) else {
            return Ok(Some(Filter::True));
        };
        let groups = self.groups_of(&sec, env.uid);
        let cx = self.rule_context(env);
        let mut sudo = Map::new();
        sudo.insert("active_test".into(), Value::Bool(false));
        let sudo = Env::new(1, sudo);
        let i = slot(operation);
        let mut global = Vec::new();
        let mut any_of = Vec::new();
        for rule in rules.iter().filter(|r| r.perms[i]) {
            let applies = rule.groups.is_empty() || rule.groups.iter().any(|g| groups.contains(g));
            if !applies {
                continue;
            }
            // A rule the simulator cannot evaluate lets nothing through:
            // never more than Odoo would show.
            let filter = match eval_domain(&rule.domain, &cx)
                .and_then(|domain| self.compile(model, &domain, &sudo))
            {
                Ok(filter) => filter,
                Err(e) => {
                    tracing::warn!(
                        "zenoo-sim: record rule {:?} on {model}: {}",
                        rule.name,
                        e.message
                    );
                    Filter::False
                }
            };
            if rule.groups.is_empty() {
                global.push(filter);
            } else {
                any_of.push(filter);
            }
        }
        if !any_of.is_empty() {
            global.push(Filter::Or(any_of));
        }
        Ok(Some(match global.len() {
            0 => Filter::True,
            _ => Filter::And(global),
        }))
    }

    /// Fails with Odoo's record-level AccessError when a record of `ids`
    /// (those that exist) is outside the rules for `operation`.
    pub(crate) fn check_rules(
        &self,
        model: &str,
        operation: &str,
        ids: &[i64],
        env: &Env,
    ) -> OdooResult<()> {
        let Some(filter) = self.rule_filter(model, operation, env)? else {
            return Ok(());
        };
        let mut filter = filter;
        super::domain::bind_filter(&mut filter, self.table(model)?);
        let failing: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|id| self.exists(model, *id) && !self.eval(model, *id, &filter))
            .collect();
        if failing.is_empty() {
            return Ok(());
        }
        Err(self.record_access_error(model, operation, &failing, env))
    }

    /// Odoo's AccessError for records a rule hides: short for portal users
    /// and users without Technical Features, with the records and the rules
    /// to blame for the others.
    fn record_access_error(
        &self,
        model: &str,
        operation: &str,
        failing: &[i64],
        env: &Env,
    ) -> OdooException {
        let description = self
            .tables
            .get(model)
            .map(|t| t.def.description.clone())
            .unwrap_or_else(|| model.to_string());
        let user = self.value("res.users", env.uid, "name");
        let user = match user.as_str() {
            Some(n) => n.to_string(),
            None => self.display_name("res.users", env.uid),
        };
        let head = format!(
            "Uh-oh! Looks like you have stumbled upon some top-secret records.\n\nSorry, {user} (id={}) doesn't have '{operation}' access to:",
            env.uid
        );
        let resolution = "If you really, really need access, perhaps you can win over your friendly administrator with a batch of freshly baked cookies.";
        let technical = self.security().is_some_and(|sec| {
            let groups = self.groups_of(&sec, env.uid);
            !self.is_share(env.uid)
                && groups.iter().any(|g| {
                    sec.groups
                        .get(g)
                        .is_some_and(|g| g.display_name.ends_with("Technical Features"))
                })
        });
        if !technical {
            return OdooException::access(format!(
                "{head}\n- {description} ({model})\n\n{resolution}"
            ));
        }
        let blamed = self.failing_rules(model, operation, failing, env);
        let company_related = blamed
            .iter()
            .any(|(_, domain)| domain.contains("company_id"));
        let records: Vec<String> = failing
            .iter()
            .take(6)
            .map(|id| {
                let name = self.display_name(model, *id);
                let company = self.value(model, *id, "company_id");
                let company = match &company {
                    Value::Array(a) => a.first().and_then(Value::as_i64),
                    v => v.as_i64(),
                };
                match company
                    .filter(|c| company_related && self.user_companies(env.uid).contains(c))
                {
                    Some(c) => format!(
                        "- {description}, {name} ({model}: {id}, company={})",
                        self.display_name("res.company", c)
                    ),
                    None => format!("- {description}, {name} ({model}: {id})"),
                }
            })
            .collect();
        let mut rules = format!(
            "Blame the following rules:\n{}",
            blamed
                .iter()
                .map(|(name, _)| format!("- {name}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
        if company_related {
            rules.push_str("\n\nNote: this might be a multi-company issue. Switching company may help - in Odoo, not in real life!");
        }
        OdooException::access(format!(
            "{head}\n{}\n\n{rules}\n\n{resolution}",
            records.join("\n")
        ))
    }

    /// The rules (name, domain) that exclude some of `failing`: each global
    /// rule that does, and every group rule of the user's when together
    /// they do.
    fn failing_rules(
        &self,
        model: &str,
        operation: &str,
        failing: &[i64],
        env: &Env,
    ) -> Vec<(String, String)> {
        let Some(sec) = self.security() else {
            return Vec::new();
        };
        let Some(rules) = sec.rules.get(model) else {
            return Vec::new();
        };
        let groups = self.groups_of(&sec, env.uid);
        let cx = self.rule_context(env);
        let sudo = Env::new(1, Map::new());
        let i = slot(operation);
        // A rule that cannot be evaluated matches nothing.
        let compiled = |rule: &Rule| -> Option<Filter> {
            let domain = eval_domain(&rule.domain, &cx).ok()?;
            let mut filter = self.compile(model, &domain, &sudo).ok()?;
            super::domain::bind_filter(&mut filter, self.table(model).ok()?);
            Some(filter)
        };
        let matches = |filter: &Option<Filter>, id: i64| {
            filter.as_ref().is_some_and(|f| self.eval(model, id, f))
        };
        let excludes = |rule: &Rule| {
            let filter = compiled(rule);
            failing.iter().any(|id| !matches(&filter, *id))
        };
        let mut out = Vec::new();
        let mut group_rules = Vec::new();
        for rule in rules.iter().filter(|r| r.perms[i]) {
            if rule.groups.is_empty() {
                if excludes(rule) {
                    out.push((rule.name.clone(), rule.domain.clone()));
                }
            } else if rule.groups.iter().any(|g| groups.contains(g)) {
                group_rules.push(rule);
            }
        }
        let group_filters: Vec<Option<Filter>> = group_rules.iter().map(|r| compiled(r)).collect();
        if !group_rules.is_empty()
            && failing
                .iter()
                .any(|id| !group_filters.iter().any(|f| matches(f, *id)))
        {
            out.extend(
                group_rules
                    .iter()
                    .map(|r| (r.name.clone(), r.domain.clone())),
            );
        }
        out
    }
}

impl crate::orm::rule_eval::Records for Database {
    fn def(&self, model: &str) -> OdooResult<&crate::orm::ModelDef> {
        Database::def(self, model)
    }

    fn value(&self, model: &str, id: i64, field: &str) -> Value {
        Database::value(self, model, id, field)
    }
}
