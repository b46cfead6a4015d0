//! The reconciler's error type. Each variant is a distinct situation with its own metric label;
//! all of them requeue with backoff.

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The spec cannot be reconciled as written (the message lists every problem).
    #[error("invalid spec: {0}")]
    InvalidSpec(String),

    /// One or more children could not be applied or deleted.
    #[error("applying children: {0}")]
    Apply(String),

    /// A Kubernetes API call other than a child apply failed.
    #[error("kubernetes api: {0}")]
    Kube(#[from] kube::Error),

    /// A child could not be serialized (a bug).
    #[error("serializing a child: {0}")]
    Serialize(#[from] serde_json::Error),

    /// No randomness for generated credentials.
    #[error(transparent)]
    Random(#[from] crate::children::RandomError),

    /// The object lacks a namespace or name (never true for objects from the API server).
    #[error("object without {0}")]
    MissingMetadata(&'static str),

    /// The universe was deleted while it was being reconciled (its status write found nothing):
    /// not a failure, nothing is left to do.
    #[error("the universe was deleted meanwhile")]
    Gone,
}

impl Error {
    /// Short label for metrics.
    pub fn metric_label(&self) -> &'static str {
        match self {
            Self::InvalidSpec(_) => "invalid_spec",
            Self::Apply(_) => "apply",
            Self::Kube(_) => "kube",
            Self::Serialize(_) => "serialize",
            Self::Random(_) => "random",
            Self::MissingMetadata(_) => "metadata",
            Self::Gone => "gone",
        }
    }
}
