//! Wallet login primitives: address normalization, the login message and EIP-191
//! `personal_sign` signer recovery. The only module that touches `ethers-core`, so the
//! cryptography dependency can be swapped in one place.

use ethers_core::types::Signature;

/// The login message the wallet signs, byte for byte (WIRE.md §8.2).
pub fn login_message(address: &str, nonce: &str) -> String {
    format!("Sector login\nAddress: {address}\nNonce: {nonce}")
}

/// A throw-away wallet for `sector dev`'s admin: printed so a developer can import it.
#[derive(Clone, PartialEq, Eq)]
pub struct DevWallet {
    /// `0x` + 64 hex digits.
    pub private_key: String,
    /// Lower-case `0x` address.
    pub address: String,
}

impl std::fmt::Debug for DevWallet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevWallet").field("address", &self.address).finish_non_exhaustive()
    }
}

impl DevWallet {
    /// A new random key pair.
    pub fn random() -> Result<Self, String> {
        loop {
            let mut secret = [0u8; 32];
            getrandom::fill(&mut secret).map_err(|e| format!("no entropy for a dev wallet: {e}"))?;
            // Out-of-range scalars (probability ~2^-128) are simply drawn again.
            if let Ok(key) = ethers_core::k256::ecdsa::SigningKey::from_slice(&secret) {
                let address = ethers_core::utils::secret_key_to_address(&key);
                let private_key: String = secret.iter().map(|b| format!("{b:02x}")).collect();
                return Ok(Self {
                    private_key: format!("0x{private_key}"),
                    address: format!("{address:#x}"),
                });
            }
        }
    }
}

/// Trims and lower-cases `raw`; `Some` only for `0x` followed by exactly 40 hex digits (the
/// reference accepted any 42-character string starting with `0x`, KNOWN_DEFECTS A7).
pub fn normalize_address(raw: &str) -> Option<String> {
    let address = raw.trim().to_ascii_lowercase();
    let hex = address.strip_prefix("0x")?;
    (hex.len() == 40 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then_some(address)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("signature is not 65 bytes of hex")]
    Encoding,
    #[error("signature recovery id must be 0, 1, 27 or 28")]
    RecoveryId,
    #[error("no signer can be recovered from the signature")]
    Recovery,
}

/// The 65 signature bytes (r‖s‖v) of a hex string with an optional `0x` prefix.
fn decode(signature: &str) -> Result<Signature, SignatureError> {
    let hex = signature.trim();
    let hex = hex.strip_prefix("0x").or_else(|| hex.strip_prefix("0X")).unwrap_or(hex);
    if hex.len() != 130 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(SignatureError::Encoding);
    }
    let mut bytes = [0u8; 65];
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| SignatureError::Encoding)?;
    }
    // eth-account accepts exactly these; ethers would also take EIP-155 values.
    if !matches!(bytes[64], 0 | 1 | 27 | 28) {
        return Err(SignatureError::RecoveryId);
    }
    Signature::try_from(&bytes[..]).map_err(|_| SignatureError::Encoding)
}

/// Recovers the lower-case address that signed `message` with `personal_sign` (EIP-191
/// version 0x45: keccak256 of `"\x19Ethereum Signed Message:\n" + len + message`).
pub fn recover_signer(message: &str, signature: &str) -> Result<String, SignatureError> {
    let signature = decode(signature)?;
    let address = signature.recover(message).map_err(|_| SignatureError::Recovery)?;
    Ok(format!("{address:#x}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        let a = "0xAbCdEf0123456789abcdef0123456789ABCDEF01";
        assert_eq!(normalize_address(&format!("  {a} ")).as_deref(), Some(&*a.to_ascii_lowercase()));
        assert_eq!(
            normalize_address("0X00000000000000000000000000000000000000AA").as_deref(),
            Some("0x00000000000000000000000000000000000000aa")
        );
        assert_eq!(normalize_address("0x"), None);
        assert_eq!(normalize_address("0xzz23456789abcdef0123456789abcdef01234567"), None, "hex checked (A7)");
        assert_eq!(normalize_address("1x0123456789abcdef0123456789abcdef01234567"), None);
        assert_eq!(normalize_address("0x0123456789abcdef0123456789abcdef012345678"), None);
    }

    #[test]
    fn dev_wallets_sign_for_their_address() {
        use ethers_core::k256::ecdsa::SigningKey;
        let wallet = DevWallet::random().unwrap();
        assert_eq!(normalize_address(&wallet.address).as_deref(), Some(wallet.address.as_str()));
        assert_ne!(DevWallet::random().unwrap().address, wallet.address);
        let secret: Vec<u8> = (0..32)
            .map(|i| u8::from_str_radix(&wallet.private_key[2 + 2 * i..4 + 2 * i], 16).unwrap())
            .collect();
        let key = SigningKey::from_slice(&secret).unwrap();
        let message = login_message(&wallet.address, "n");
        let hash = ethers_core::utils::hash_message(message.as_bytes());
        let (signature, recovery) = key.sign_prehash_recoverable(hash.as_bytes()).unwrap();
        let hex: String = signature.to_bytes().iter().map(|b| format!("{b:02x}")).collect();
        let signature = format!("0x{hex}{:02x}", 27 + recovery.to_byte());
        assert_eq!(recover_signer(&message, &signature).unwrap(), wallet.address);
        assert!(!format!("{wallet:?}").contains(&wallet.private_key[2..]), "the key stays out of logs");
    }

    #[test]
    fn message_bytes() {
        assert_eq!(login_message("0xab", "n1"), "Sector login\nAddress: 0xab\nNonce: n1");
    }

    #[test]
    fn bad_signatures_are_rejected() {
        assert_eq!(recover_signer("m", "0x1234"), Err(SignatureError::Encoding));
        assert_eq!(recover_signer("m", &"zz".repeat(65)), Err(SignatureError::Encoding));
        let bad_v = format!("{}{}", "11".repeat(64), "05");
        assert_eq!(recover_signer("m", &bad_v), Err(SignatureError::RecoveryId));
        // r = s = 0 is not a valid point.
        let zero = format!("0x{}1b", "00".repeat(64));
        assert_eq!(recover_signer("m", &zero), Err(SignatureError::Recovery));
    }
}
