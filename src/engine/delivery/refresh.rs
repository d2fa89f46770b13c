//! Refresh rules: which event kinds raise which refresh flags.
//!
//! Flags are interned into bits of a `u64` and kinds into small ids, so folding a
//! frame into a batch is a few integer operations. The kind table is bounded: after
//! [`MAX_KINDS`] distinct names, further unknown kinds count under [`OTHER_KIND`], so a
//! server that sends endless new kind names cannot grow memory.

#[allow(unused_imports)]
use crate::prelude::*;

/// An interned event kind.
pub type KindId = u16;

/// Distinct kind names remembered at most.
pub const MAX_KINDS: usize = 512;
/// Longest kind name kept as it is; longer ones count under [`OTHER_KIND`].
pub const MAX_KIND_LEN: usize = 128;
/// The name under which kinds past the table's bound are counted.
pub const OTHER_KIND: &str = "(other)";
/// At most this many distinct flags (one bit each).
pub const MAX_FLAGS: usize = 63;
/// The bit of the `resync` flag, raised by the machine, not by kinds.
pub const RESYNC_BIT: u64 = 1 << 63;
/// The `changed` flag: the first flag of every rule set (default or the app's own),
/// raised by the machine for every state frame (every Calimero `StateMutation`, even one
/// with `events: []`), so an app acting on flags alone never misses a state change.
pub const CHANGED_FLAG: &str = "changed";
/// Its bit.
pub const CHANGED_BIT: u64 = 1;

#[derive(Debug, Clone)]
struct Kind {
    name: Box<str>,
    mask: u64,
    critical: bool,
}

/// The kind table with its flag masks.
#[derive(Debug, Clone)]
pub struct RefreshRules {
    flags: Vec<Box<str>>,
    kinds: Vec<Kind>,
    /// `(name, id)` sorted by name, for binary search.
    index: Vec<(Box<str>, KindId)>,
    other: KindId,
}

impl RefreshRules {
    /// Builds the table from `(kind, flags)` rules and the critical kinds.
    /// Errors name what is wrong (too many flags, an empty name).
    pub fn new<K: AsRef<str>, F: AsRef<str>>(rules: &[(K, Vec<F>)], critical: &[K]) -> Result<Self, String> {
        let mut t = RefreshRules { flags: Vec::new(), kinds: Vec::new(), index: Vec::new(), other: 0 };
        t.other = t.insert(OTHER_KIND);
        t.flag_bit(CHANGED_FLAG)?;
        for (kind, flags) in rules {
            let kind = kind.as_ref();
            if kind.is_empty() {
                return Err("a kind name must not be empty".into());
            }
            let mut mask = 0;
            for flag in flags {
                mask |= t.flag_bit(flag.as_ref())?;
            }
            let id = t.intern(kind);
            t.kinds[id as usize].mask |= mask;
        }
        for kind in critical {
            let id = t.intern(kind.as_ref());
            t.kinds[id as usize].critical = true;
        }
        Ok(t)
    }

    /// The chat mapping of the wire doc, no critical kinds.
    #[cfg(test)]
    pub(crate) fn chat_default() -> Self {
        let rules: Vec<(&str, Vec<&str>)> = crate::engine::protocols::chat_rules::DEFAULT_RULES.iter().map(|(k, f)| (*k, f.to_vec())).collect();
        Self::new(&rules, &[]).expect("default rules are valid")
    }

    fn flag_bit(&mut self, flag: &str) -> Result<u64, String> {
        if flag.is_empty() {
            return Err("a flag name must not be empty".into());
        }
        if flag == "resync" {
            return Ok(RESYNC_BIT);
        }
        if let Some(i) = self.flags.iter().position(|f| &**f == flag) {
            return Ok(1 << i);
        }
        if self.flags.len() >= MAX_FLAGS {
            return Err(crate::cat!("at most ", MAX_FLAGS, " distinct flags are supported"));
        }
        self.flags.push(flag.into());
        Ok(1 << (self.flags.len() - 1))
    }

    fn insert(&mut self, name: &str) -> KindId {
        let id = self.kinds.len() as KindId;
        self.kinds.push(Kind { name: name.into(), mask: 0, critical: false });
        let at = self.index.binary_search_by(|(k, _)| (**k).cmp(name)).unwrap_or_else(|i| i);
        self.index.insert(at, (name.into(), id));
        id
    }

    /// The id of `kind`, adding it while the table has room.
    pub fn intern(&mut self, kind: &str) -> KindId {
        if let Some(id) = self.lookup(kind) {
            return id;
        }
        if self.kinds.len() >= MAX_KINDS || kind.len() > MAX_KIND_LEN {
            return self.other;
        }
        self.insert(kind)
    }

    /// The id of `kind` if it is known.
    pub fn lookup(&self, kind: &str) -> Option<KindId> {
        self.index.binary_search_by(|(k, _)| (**k).cmp(kind)).ok().map(|i| self.index[i].1)
    }

    pub fn mask(&self, id: KindId) -> u64 {
        self.kinds[id as usize].mask
    }

    pub fn is_critical(&self, id: KindId) -> bool {
        self.kinds[id as usize].critical
    }

    pub fn kind_name(&self, id: KindId) -> &str {
        &self.kinds[id as usize].name
    }

    /// Names of all flags the rules can raise, in bit order (without `resync`).
    pub fn flag_names(&self) -> impl Iterator<Item = &str> {
        self.flags.iter().map(|f| &**f)
    }

    /// Names of the flags set in `mask`.
    pub fn names_in(&self, mask: u64) -> Vec<&str> {
        let mut v: Vec<&str> = self.flag_names().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, n)| n).collect();
        if mask & RESYNC_BIT != 0 {
            v.push("resync");
        }
        v
    }

    /// How many distinct kinds are known.
    pub fn kind_count(&self) -> usize {
        self.kinds.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_chat_mapping() {
        let mut r = RefreshRules::chat_default();
        let id = r.intern("ChannelJoined");
        assert_eq!(r.names_in(r.mask(id)), ["channels", "members"]);
        let id = r.intern("ChatInitialized");
        let mut names = r.names_in(r.mask(id));
        names.sort();
        assert_eq!(names, ["channels", "dms", "members"]);
        let unknown = r.intern("SomethingElse");
        assert_eq!(r.mask(unknown), 0, "unknown kinds raise no flag");
        assert_eq!(r.kind_name(unknown), "SomethingElse");
    }

    #[test]
    fn custom_rules_and_critical_kinds() {
        let rules = vec![("A", vec!["x", "y"]), ("B", vec!["y"]), ("A", vec!["z"])];
        let r = RefreshRules::new(&rules, &["B"]).unwrap();
        let a = r.lookup("A").unwrap();
        assert_eq!(r.names_in(r.mask(a)), ["x", "y", "z"]);
        assert!(r.is_critical(r.lookup("B").unwrap()));
        assert!(!r.is_critical(a));
        assert!(RefreshRules::new(&[("", vec!["x"])], &[]).is_err());
        let many: Vec<String> = (0..64).map(|i| format!("f{i}")).collect();
        let err = RefreshRules::new(&[("K".to_string(), many)], &[]).unwrap_err();
        assert!(err.contains("63"), "{err}");
    }

    #[test]
    fn kind_table_is_bounded() {
        let mut r = RefreshRules::chat_default();
        for i in 0..10_000 {
            r.intern(&format!("Kind{i}"));
        }
        assert_eq!(r.kind_count(), MAX_KINDS);
        let id = r.intern("YetAnother");
        assert_eq!(r.kind_name(id), OTHER_KIND);
        let long = r.intern(&"x".repeat(MAX_KIND_LEN + 1));
        assert_eq!(r.kind_name(long), OTHER_KIND);
    }
}
