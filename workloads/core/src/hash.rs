//! State hash over a canonical serialization, and save/restore of the complete state.
//!
//! The canonical form is the world's serde JSON: fields in declaration order, sequences in
//! their (canonical) order, no maps, floats as shortest round-trip text — so equal states
//! give equal bytes, and the RNG state is included.

use sha2::{Digest, Sha256};

use crate::world::World;

/// Version of the saved-state format; bumped when `World`'s serialized shape changes.
pub const SAVED_STATE_VERSION: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error("saved state is not valid: {0}")]
    Invalid(#[from] serde_json::Error),
    #[error("saved state has format version {found}, this build reads version {SAVED_STATE_VERSION}")]
    Version { found: u32 },
}

#[derive(serde::Serialize)]
struct SavedRef<'a> {
    version: u32,
    world: &'a World,
}

/// Read first, alone, so a newer or older format is refused with a clear error instead
/// of a confusing field error. (Not via `serde_json::Value`: it would reorder maps.)
#[derive(serde::Deserialize)]
struct SavedVersion {
    version: u32,
}

#[derive(serde::Deserialize)]
struct Saved {
    world: World,
}

/// The complete state as bytes; [`restore`] gives back an identical world.
pub fn save(world: &World) -> Vec<u8> {
    serde_json::to_vec(&SavedRef { version: SAVED_STATE_VERSION, world })
        .expect("World serializes: it holds no maps with non-string keys and no non-finite floats")
}

pub fn restore(bytes: &[u8]) -> Result<World, RestoreError> {
    let SavedVersion { version } = serde_json::from_slice(bytes)?;
    if version != SAVED_STATE_VERSION {
        return Err(RestoreError::Version { found: version });
    }
    let saved: Saved = serde_json::from_slice(bytes)?;
    Ok(saved.world)
}

/// SHA-256 of the canonical serialization, as 64 hex digits.
pub fn state_hash(world: &World) -> String {
    let digest = Sha256::digest(save(world));
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
