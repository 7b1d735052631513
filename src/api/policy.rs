//! Policy: upstream's rules as data (name → check string, legacy alternative),
//! evaluated in one place. Check strings use oslo.policy's small language:
//! `role:R`, `rule:NAME`, `project_id:%(project_id)s`, `@`, joined by `or`/`and`.

use std::str::FromStr;

/// `PLACEMENT_POLICY_MODE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PolicyMode {
    /// enforce_new_defaults = False: deprecated alternatives are OR-ed in.
    #[default]
    Legacy,
    /// enforce_new_defaults = True.
    SecureRbac,
    /// Every placement rule is `@` except admin_api.
    Open,
}

impl FromStr for PolicyMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "" | "legacy" => Ok(PolicyMode::Legacy),
            "secure-rbac" => Ok(PolicyMode::SecureRbac),
            "open" => Ok(PolicyMode::Open),
            other => Err(format!(
                "unknown policy mode '{other}' (legacy, secure-rbac or open)"
            )),
        }
    }
}

/// One rule: its default check and the deprecated check OR-ed in legacy mode.
struct RuleDef {
    name: &'static str,
    check: &'static str,
    deprecated: Option<&'static str>,
}

const ADMIN_OR_SERVICE: &str = "rule:admin_or_service_api";

/// Base rules (upstream placement/policies/base.py).
const BASE_RULES: &[RuleDef] = &[
    RuleDef {
        name: "admin_api",
        check: "role:admin",
        deprecated: None,
    },
    RuleDef {
        name: "service_api",
        check: "role:service",
        deprecated: Some("role:admin"),
    },
    RuleDef {
        name: "admin_or_service_api",
        check: "role:admin or role:service",
        deprecated: Some("role:admin"),
    },
    RuleDef {
        name: "project_reader_api",
        check: "role:reader and project_id:%(project_id)s",
        deprecated: Some("role:admin"),
    },
    RuleDef {
        name: "admin_or_project_reader_or_service_api",
        check: "role:admin or rule:project_reader_api or role:service",
        deprecated: Some("role:admin"),
    },
];

/// API rules (upstream placement/policies/*.py); all are project scoped.
const API_RULES: &[(&str, &str)] = &[
    ("placement:resource_providers:list", ADMIN_OR_SERVICE),
    ("placement:resource_providers:create", ADMIN_OR_SERVICE),
    ("placement:resource_providers:show", ADMIN_OR_SERVICE),
    ("placement:resource_providers:update", ADMIN_OR_SERVICE),
    ("placement:resource_providers:delete", ADMIN_OR_SERVICE),
    (
        "placement:resource_providers:inventories:list",
        ADMIN_OR_SERVICE,
    ),
    (
        "placement:resource_providers:inventories:create",
        ADMIN_OR_SERVICE,
    ),
    (
        "placement:resource_providers:inventories:show",
        ADMIN_OR_SERVICE,
    ),
    (
        "placement:resource_providers:inventories:update",
        ADMIN_OR_SERVICE,
    ),
    (
        "placement:resource_providers:inventories:delete",
        ADMIN_OR_SERVICE,
    ),
    (
        "placement:resource_providers:aggregates:list",
        ADMIN_OR_SERVICE,
    ),
    (
        "placement:resource_providers:aggregates:update",
        ADMIN_OR_SERVICE,
    ),
    ("placement:resource_providers:usages", ADMIN_OR_SERVICE),
    ("placement:resource_providers:traits:list", ADMIN_OR_SERVICE),
    (
        "placement:resource_providers:traits:update",
        ADMIN_OR_SERVICE,
    ),
    (
        "placement:resource_providers:traits:delete",
        ADMIN_OR_SERVICE,
    ),
    (
        "placement:resource_providers:allocations:list",
        ADMIN_OR_SERVICE,
    ),
    ("placement:resource_classes:list", ADMIN_OR_SERVICE),
    ("placement:resource_classes:create", ADMIN_OR_SERVICE),
    ("placement:resource_classes:show", ADMIN_OR_SERVICE),
    ("placement:resource_classes:update", ADMIN_OR_SERVICE),
    ("placement:resource_classes:delete", ADMIN_OR_SERVICE),
    ("placement:traits:list", ADMIN_OR_SERVICE),
    ("placement:traits:show", ADMIN_OR_SERVICE),
    ("placement:traits:update", ADMIN_OR_SERVICE),
    ("placement:traits:delete", ADMIN_OR_SERVICE),
    ("placement:allocations:list", ADMIN_OR_SERVICE),
    ("placement:allocations:update", ADMIN_OR_SERVICE),
    ("placement:allocations:delete", ADMIN_OR_SERVICE),
    ("placement:allocations:manage", ADMIN_OR_SERVICE),
    ("placement:allocation_candidates:list", ADMIN_OR_SERVICE),
    (
        "placement:usages",
        "rule:admin_or_project_reader_or_service_api",
    ),
    ("placement:reshaper:reshape", "rule:service_api"),
];

/// Who is asking, as the policy engine sees it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Credentials {
    pub user_id: Option<String>,
    pub project_id: Option<String>,
    pub roles: Vec<String>,
    /// `OpenStack-System-Scope: all`.
    pub system_scoped: bool,
}

/// The policy enforcer for one mode.
#[derive(Debug, Clone, Copy, Default)]
pub struct Policy {
    mode: PolicyMode,
}

impl Policy {
    pub fn new(mode: PolicyMode) -> Self {
        Policy { mode }
    }

    /// Whether `creds` may perform `action` on a target owned by `target_project`.
    /// Unknown actions are refused (a programming error, never silently allowed).
    pub fn allows(&self, action: &str, creds: &Credentials, target_project: Option<&str>) -> bool {
        let Some((_, check)) = API_RULES.iter().find(|(n, _)| *n == action) else {
            log::error!("policy rule {action} is not registered");
            return false;
        };
        // oslo.policy always enforces scope; every API rule is project scoped.
        if creds.system_scoped {
            return false;
        }
        if self.mode == PolicyMode::Open {
            return true;
        }
        self.eval(check, creds, target_project, 0)
    }

    fn eval(
        &self,
        check: &str,
        creds: &Credentials,
        target_project: Option<&str>,
        depth: u8,
    ) -> bool {
        if depth > 8 {
            return false;
        }
        check.split(" or ").any(|alt| {
            alt.split(" and ")
                .all(|atom| self.atom(atom.trim(), creds, target_project, depth))
        })
    }

    fn atom(
        &self,
        atom: &str,
        creds: &Credentials,
        target_project: Option<&str>,
        depth: u8,
    ) -> bool {
        if atom == "@" {
            return true;
        }
        if let Some(role) = atom.strip_prefix("role:") {
            return creds.roles.iter().any(|r| r.eq_ignore_ascii_case(role));
        }
        if let Some(rule) = atom.strip_prefix("rule:") {
            let Some(def) = BASE_RULES.iter().find(|r| r.name == rule) else {
                return false;
            };
            let mut ok = self.eval(def.check, creds, target_project, depth + 1);
            if self.mode == PolicyMode::Legacy
                && let Some(dep) = def.deprecated
            {
                ok = ok || self.eval(dep, creds, target_project, depth + 1);
            }
            return ok;
        }
        if atom == "project_id:%(project_id)s" {
            return matches!((creds.project_id.as_deref(), target_project), (Some(a), Some(b)) if a == b);
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(roles: &[&str], project: &str) -> Credentials {
        Credentials {
            user_id: Some("u".into()),
            project_id: Some(project.into()),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            system_scoped: false,
        }
    }

    #[test]
    fn admin_and_service_everywhere_but_reshaper_in_secure_rbac() {
        let p = Policy::new(PolicyMode::SecureRbac);
        assert!(p.allows("placement:traits:list", &creds(&["admin"], "p"), Some("p")));
        assert!(p.allows(
            "placement:traits:list",
            &creds(&["service"], "p"),
            Some("p")
        ));
        assert!(!p.allows(
            "placement:traits:list",
            &creds(&["member", "reader"], "p"),
            Some("p")
        ));
        assert!(!p.allows(
            "placement:reshaper:reshape",
            &creds(&["admin"], "p"),
            Some("p")
        ));
        let legacy = Policy::new(PolicyMode::Legacy);
        assert!(legacy.allows(
            "placement:reshaper:reshape",
            &creds(&["admin"], "p"),
            Some("p")
        ));
    }

    #[test]
    fn usages_for_project_readers() {
        let p = Policy::new(PolicyMode::SecureRbac);
        assert!(p.allows("placement:usages", &creds(&["reader"], "p"), Some("p")));
        assert!(!p.allows("placement:usages", &creds(&["reader"], "p"), Some("other")));
    }

    #[test]
    fn open_mode_and_scope() {
        let p = Policy::new(PolicyMode::Open);
        assert!(p.allows("placement:traits:list", &creds(&[], "p"), None));
        let mut system = creds(&["admin"], "p");
        system.system_scoped = true;
        assert!(!p.allows("placement:traits:list", &system, None));
        assert!(!p.allows("placement:unknown", &creds(&["admin"], "p"), None));
    }
}
