//! Environment settings shared by every Sector service: a case-insensitive view of the
//! variables (the reference services matched names case-insensitively), typed getters that name
//! the variable in every error, and the shared Redis settings of WIRE.md §2.1.
//!
//! Services parse their configuration once at start-up from an [`EnvVars`] and keep a typed
//! struct; nothing reads the environment afterwards.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use crate::control::parse_bool;
use crate::keys::{DEFAULT_PREFIX, Keys};

/// A configuration problem, always naming the variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error("{var} is required (it has no default)")]
    Missing { var: &'static str },
    #[error("{var}={value:?}: {reason}")]
    Invalid { var: &'static str, value: String, reason: String },
    #[error("environment variable {var} is not valid UTF-8")]
    NotUnicode { var: String },
}

/// Environment variables with upper-cased names.
#[derive(Debug, Clone, Default)]
pub struct EnvVars(HashMap<String, String>);

impl EnvVars {
    /// The given variables (names matched case-insensitively), e.g. for tests.
    pub fn from_pairs<K: AsRef<str>, V: Into<String>>(vars: impl IntoIterator<Item = (K, V)>) -> Self {
        Self(vars.into_iter().map(|(k, v)| (k.as_ref().to_ascii_uppercase(), v.into())).collect())
    }

    /// The process environment. Variables in `known` must be UTF-8; others may hold anything
    /// (they are not ours to judge).
    pub fn from_process(known: &[&str]) -> Result<Self, SettingsError> {
        let mut vars = Vec::new();
        for (name, value) in std::env::vars_os() {
            let name = name.to_string_lossy().into_owned();
            match value.into_string() {
                Ok(value) => vars.push((name, value)),
                Err(_) if known.iter().any(|k| k.eq_ignore_ascii_case(&name)) => {
                    return Err(SettingsError::NotUnicode { var: name });
                }
                Err(_) => {}
            }
        }
        Ok(Self::from_pairs(vars))
    }

    /// The raw value, if set.
    pub fn string(&self, var: &str) -> Option<String> {
        self.0.get(&var.to_ascii_uppercase()).cloned()
    }

    /// The trimmed value; unset or blank = `None`.
    pub fn non_empty(&self, var: &str) -> Option<String> {
        self.string(var).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
    }

    /// The trimmed value, or [`SettingsError::Missing`].
    pub fn required(&self, var: &'static str) -> Result<String, SettingsError> {
        self.non_empty(var).ok_or(SettingsError::Missing { var })
    }

    /// A number of at least `min`; unset or blank = `None`.
    pub fn number<T>(&self, var: &'static str, min: T) -> Result<Option<T>, SettingsError>
    where
        T: FromStr + PartialOrd + fmt::Display + Copy,
    {
        let Some(raw) = self.non_empty(var) else { return Ok(None) };
        match raw.parse::<T>() {
            Ok(n) if n >= min => Ok(Some(n)),
            Ok(_) => {
                Err(SettingsError::Invalid { var, value: raw, reason: format!("must be at least {min}") })
            }
            Err(_) => Err(SettingsError::Invalid { var, value: raw, reason: "is not a whole number".into() }),
        }
    }

    /// A boolean (`true/false`, `1/0`, `yes/no`, `on/off`, `t/f`, `y/n`); unset or blank = `None`.
    pub fn bool(&self, var: &'static str) -> Result<Option<bool>, SettingsError> {
        let Some(raw) = self.non_empty(var) else { return Ok(None) };
        parse_bool(&raw).map(Some).ok_or_else(|| SettingsError::Invalid {
            var,
            value: raw,
            reason: "is not a boolean (true/false, 1/0, yes/no, on/off)".into(),
        })
    }

    /// An IP address (`0.0.0.0`, `127.0.0.1`, `::`); unset or blank = `None`.
    pub fn ip_addr(&self, var: &'static str) -> Result<Option<std::net::IpAddr>, SettingsError> {
        let Some(raw) = self.non_empty(var) else { return Ok(None) };
        raw.parse().map(Some).map_err(|_| SettingsError::Invalid {
            var,
            value: raw,
            reason: "is not an IP address (e.g. 0.0.0.0, 127.0.0.1, ::)".into(),
        })
    }

    /// An `http://` or `https://` URL with any trailing slash removed.
    pub fn http_url(&self, var: &'static str) -> Result<Option<String>, SettingsError> {
        let Some(raw) = self.non_empty(var) else { return Ok(None) };
        let lower = raw.to_ascii_lowercase();
        let rest = lower.strip_prefix("http://").or_else(|| lower.strip_prefix("https://"));
        match rest {
            Some(host) if !host.is_empty() && !host.starts_with('/') => {
                Ok(Some(raw.trim_end_matches('/').to_owned()))
            }
            _ => Err(SettingsError::Invalid { var, value: raw, reason: "must be an http(s) URL".into() }),
        }
    }
}

/// The shared Redis settings (WIRE.md §2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisSettings {
    /// `REDIS_URL` (`redis://` or `rediss://`).
    pub url: String,
    /// Key names: the prefix from `UNIVERSE_KEY` (`{prefix}:universe_id`, default `sector`) and
    /// the `EVENT_STREAM`, `ORDER_STREAM`, `SNAPSHOT_KEY`, `ORDER_GROUP` overrides.
    pub keys: Keys,
}

/// Variables [`RedisSettings::from_env`] reads.
pub const REDIS_VARS: &[&str] =
    &["REDIS_URL", "EVENT_STREAM", "ORDER_STREAM", "SNAPSHOT_KEY", "ORDER_GROUP", "UNIVERSE_KEY"];

impl RedisSettings {
    /// Reads the shared settings. The four of WIRE.md §2.1 are required, as in the reference
    /// (each service fails at start-up when one is missing, even if it does not use it).
    pub fn from_env(env: &EnvVars) -> Result<Self, SettingsError> {
        let url = env.required("REDIS_URL")?;
        let lower = url.to_ascii_lowercase();
        if !(lower.starts_with("redis://") || lower.starts_with("rediss://")) {
            return Err(SettingsError::Invalid {
                var: "REDIS_URL",
                value: url,
                reason: "must be a redis:// or rediss:// URL".into(),
            });
        }
        for var in ["EVENT_STREAM", "ORDER_STREAM", "SNAPSHOT_KEY"] {
            env.required(var)?;
        }
        Ok(Self { url, keys: keys_from_env(env)? })
    }
}

/// Key names from the environment without requiring any of them (`sector dev`, tools).
pub fn keys_from_env(env: &EnvVars) -> Result<Keys, SettingsError> {
    let prefix = match env.non_empty("UNIVERSE_KEY") {
        None => DEFAULT_PREFIX.to_owned(),
        Some(key) => match key.strip_suffix(":universe_id") {
            Some(prefix) if !prefix.is_empty() => prefix.to_owned(),
            _ => {
                return Err(SettingsError::Invalid {
                    var: "UNIVERSE_KEY",
                    value: key,
                    reason: format!("must end in \":universe_id\" (e.g. \"{DEFAULT_PREFIX}:universe_id\")"),
                });
            }
        },
    };
    Ok(Keys::from_lookup(prefix, |name| env.non_empty(name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> EnvVars {
        EnvVars::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn names_are_case_insensitive_and_values_trimmed() {
        let e = env(&[("redis_url", " redis://h:1/0 "), ("Port", "9000")]);
        assert_eq!(e.non_empty("REDIS_URL").as_deref(), Some("redis://h:1/0"));
        assert_eq!(e.number("PORT", 0u16), Ok(Some(9000)));
        assert_eq!(e.number::<u16>("MISSING", 0), Ok(None));
    }

    #[test]
    fn numbers_and_bools_name_the_variable() {
        let e = env(&[("A", "abc"), ("B", "0"), ("C", "maybe"), ("D", "YES")]);
        assert!(e.number::<u32>("A", 0).unwrap_err().to_string().starts_with("A=\"abc\""));
        assert!(e.number::<u32>("B", 1).unwrap_err().to_string().contains("at least 1"));
        assert!(e.bool("C").unwrap_err().to_string().starts_with("C=\"maybe\""));
        assert_eq!(e.bool("D"), Ok(Some(true)));
    }

    #[test]
    fn http_urls() {
        let e = env(&[("A", "http://api:8000/"), ("B", "ftp://x"), ("C", "https://"), ("D", "api:8000")]);
        assert_eq!(e.http_url("A"), Ok(Some("http://api:8000".into())));
        for var in ["B", "C", "D"] {
            assert!(e.http_url(var).is_err(), "{var}");
        }
    }

    #[test]
    fn redis_settings_require_the_four_shared_variables() {
        let full = [
            ("REDIS_URL", "redis://localhost:6379/0"),
            ("EVENT_STREAM", "sector:events"),
            ("ORDER_STREAM", "sector:orders"),
            ("SNAPSHOT_KEY", "custom:snap"),
        ];
        let settings = RedisSettings::from_env(&env(&full)).unwrap();
        assert_eq!(settings.keys.snapshot(), "custom:snap");
        assert_eq!(settings.keys.events(), "sector:events");
        for skip in 0..full.len() {
            let partial: Vec<_> =
                full.iter().enumerate().filter(|(i, _)| *i != skip).map(|(_, p)| *p).collect();
            let err = RedisSettings::from_env(&env(&partial)).unwrap_err();
            assert_eq!(
                err,
                SettingsError::Missing {
                    var: ["REDIS_URL", "EVENT_STREAM", "ORDER_STREAM", "SNAPSHOT_KEY"][skip]
                }
            );
        }
        let mut bad = full.to_vec();
        bad[0].1 = "http://localhost";
        assert!(RedisSettings::from_env(&env(&bad)).is_err());
    }

    #[test]
    fn universe_key_sets_the_prefix() {
        let keys = keys_from_env(&env(&[("UNIVERSE_KEY", "blue:universe_id")])).unwrap();
        assert_eq!(keys.prefix(), "blue");
        assert_eq!(keys.events(), "blue:events");
        assert!(keys_from_env(&env(&[("UNIVERSE_KEY", "blue")])).is_err());
    }
}
