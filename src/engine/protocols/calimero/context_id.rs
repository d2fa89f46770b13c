//! What a Calimero context id is: the base58 text of 32 bytes. The node refuses a whole
//! subscribe for one bad id, so each id is checked before it is sent.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::engine::text::quoted;

const BASE58: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// A Calimero context id is the base58 text of 32 bytes; the node refuses a whole
/// subscribe for one bad id, so each id is checked before it is sent.
pub fn check_context_id(id: &str) -> Result<(), String> {
    let mut bytes: Vec<u8> = Vec::with_capacity(33);
    for (i, c) in id.bytes().enumerate() {
        let Some(digit) = BASE58.iter().position(|&b| b == c) else {
            return Err(crate::cat!("context id ", quoted(id), " contains invalid character '", c as char, "' at byte ", i));
        };
        let mut carry = digit as u32;
        for b in bytes.iter_mut() {
            carry += (*b as u32) * 58;
            *b = carry as u8;
            carry >>= 8;
        }
        while carry > 0 {
            bytes.push(carry as u8);
            carry >>= 8;
        }
        if bytes.len() > 32 {
            return Err(crate::cat!("context id ", quoted(id), " is longer than 32 bytes"));
        }
    }
    let zeros = id.bytes().take_while(|&b| b == b'1').count();
    let len = zeros + bytes.len();
    if len != 32 {
        return Err(crate::cat!("context id ", quoted(id), " is ", len, " bytes, not 32"));
    }
    Ok(())
}

/// Writes a base58 id of 32 bytes (used by tests and the benchmarks to make ids).
pub fn encode_base58(input: &[u8]) -> String {
    let mut digits: Vec<u8> = Vec::new();
    for &byte in input {
        let mut carry = byte as u32;
        for d in digits.iter_mut() {
            carry += (*d as u32) << 8;
            *d = (carry % 58) as u8;
            carry /= 58;
        }
        while carry > 0 {
            digits.push((carry % 58) as u8);
            carry /= 58;
        }
    }
    let mut out: String = input.iter().take_while(|&&b| b == 0).map(|_| '1').collect();
    out.extend(digits.iter().rev().map(|&d| BASE58[d as usize] as char));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real context id.
    const CTX: &str = "9YxHobM9hKQFzHHjg3FDtXmCreJWS7Epe1gG1t4jodi";

    #[test]
    fn context_ids_are_base58_of_32_bytes() {
        assert_eq!(check_context_id(CTX), Ok(()));
        let made = encode_base58(&[7u8; 32]);
        assert_eq!(check_context_id(&made), Ok(()));
        assert_eq!(check_context_id(&encode_base58(&[0u8; 32])), Ok(()));
        let err = check_context_id("9YxHobMl").unwrap_err();
        assert!(err.contains("invalid character 'l' at byte 7"), "{err}");
        assert!(check_context_id("abc").unwrap_err().contains("not 32"));
        assert!(check_context_id(&encode_base58(&[9u8; 33])).is_err());
    }
}
