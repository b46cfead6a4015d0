//! One watched kind's cache: per namespace and name, the object's fingerprint and the little
//! the operator reads of it (its [`Recorded::Record`]), never the object itself. A thousand
//! universes' pods, Deployments and friends as full `k8s-openapi` structs are tens of
//! megabytes (a `Pod` is 2 KiB before any string); their records are a few dozen bytes.
//!
//! Fed with a watch's events the way kube-rs' reflector store is: a relist is collected aside
//! and swapped in whole when it is done, so a reader never sees a half-listed kind.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use kube::Resource;
use kube::runtime::watcher;

use super::fingerprint;

/// What the cache keeps of one object of a kind.
pub trait Recorded {
    type Record: Clone + Send + Sync + 'static;
    fn record(&self) -> Self::Record;
}

/// One cached object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<R> {
    /// Changes when anything but the object's status does (see [`fingerprint`]).
    pub fingerprint: String,
    pub record: R,
}

type Namespaces<R> = HashMap<Box<str>, HashMap<Box<str>, Entry<R>>>;

struct State<R> {
    objects: Namespaces<R>,
    /// A list in progress (between a watch's `Init` and `InitDone`).
    listing: Option<Namespaces<R>>,
    listed: bool,
}

/// A kind's cache; clones share it.
pub struct Store<R> {
    kind: &'static str,
    state: Arc<RwLock<State<R>>>,
}

impl<R> Clone for Store<R> {
    fn clone(&self) -> Self {
        Self { kind: self.kind, state: self.state.clone() }
    }
}

impl<R: Clone> Store<R> {
    pub fn new(kind: &'static str) -> Self {
        let state = State { objects: HashMap::new(), listing: None, listed: false };
        Self { kind, state: Arc::new(RwLock::new(state)) }
    }

    pub fn kind(&self) -> &'static str {
        self.kind
    }

    /// Takes in one watch event.
    pub fn apply<K>(&self, event: &watcher::Event<K>)
    where
        K: Resource + Recorded<Record = R>,
    {
        // A record (a pod's causes, for one) is worked out before the lock is taken: readers in
        // reconciles wait for nothing but the insert.
        match event {
            watcher::Event::Apply(object) => {
                let entry = self.entry(object);
                insert(&mut self.write().objects, object, entry);
            }
            watcher::Event::Delete(object) => {
                let (namespace, name) = key(object);
                let mut state = self.write();
                if let Some(names) = state.objects.get_mut(namespace) {
                    names.remove(name);
                    if names.is_empty() {
                        state.objects.remove(namespace);
                    }
                }
            }
            watcher::Event::Init => self.write().listing = Some(HashMap::new()),
            watcher::Event::InitApply(object) => {
                let entry = self.entry(object);
                insert(self.write().listing.get_or_insert_default(), object, entry);
            }
            watcher::Event::InitDone => {
                let mut state = self.write();
                state.objects = state.listing.take().unwrap_or_default();
                state.listed = true;
            }
        }
    }

    /// Replaces the content with `objects`, as a watch's initial list does.
    pub fn fill<'a, K>(&self, objects: impl IntoIterator<Item = &'a K>)
    where
        K: Resource + Recorded<Record = R> + 'a,
    {
        let mut listed = HashMap::new();
        for object in objects {
            insert(&mut listed, object, self.entry(object));
        }
        let mut state = self.write();
        state.objects = listed;
        state.listing = None;
        state.listed = true;
    }

    /// Whether the kind has been listed once (before that, absence means nothing).
    pub fn listed(&self) -> bool {
        self.read(|state| state.listed)
    }

    pub fn get(&self, namespace: &str, name: &str) -> Option<Entry<R>> {
        self.read(|state| state.objects.get(namespace)?.get(name).cloned())
    }

    /// The records in `namespace` that `keep` accepts.
    pub fn in_namespace(&self, namespace: &str, keep: impl Fn(&R) -> bool) -> Vec<R> {
        self.read(|state| {
            state
                .objects
                .get(namespace)
                .map(|names| names.values().map(|e| &e.record).filter(|r| keep(r)).cloned().collect())
                .unwrap_or_default()
        })
    }

    /// Every record, all namespaces.
    pub fn records(&self) -> Vec<R> {
        self.read(|state| {
            state.objects.values().flat_map(|names| names.values().map(|e| e.record.clone())).collect()
        })
    }

    /// Every object's namespace and name.
    pub fn keys(&self) -> Vec<(String, String)> {
        self.read(|state| {
            state
                .objects
                .iter()
                .flat_map(|(ns, names)| names.keys().map(|name| (ns.to_string(), name.to_string())))
                .collect()
        })
    }

    pub fn len(&self) -> usize {
        self.read(|state| state.objects.values().map(HashMap::len).sum())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn entry<K: Resource + Recorded<Record = R>>(&self, object: &K) -> Entry<R> {
        Entry { fingerprint: fingerprint(self.kind, object.meta()), record: object.record() }
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State<R>> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }

    fn read<T>(&self, f: impl FnOnce(&State<R>) -> T) -> T {
        f(&self.state.read().unwrap_or_else(PoisonError::into_inner))
    }
}

fn key<K: Resource>(object: &K) -> (&str, &str) {
    let meta = object.meta();
    (meta.namespace.as_deref().unwrap_or_default(), meta.name.as_deref().unwrap_or_default())
}

fn insert<K: Resource, R>(objects: &mut Namespaces<R>, object: &K, entry: Entry<R>) {
    let (namespace, name) = key(object);
    objects.entry(namespace.into()).or_default().insert(name.into(), entry);
}
