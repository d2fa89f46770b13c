/**
 * Base58 (Bitcoin alphabet) for 32-byte Calimero hashes (context ids, roots).
 *
 * `decodeHash` mirrors what the node does when serde parses a `ContextId`:
 * the `bs58` crate's decode into a 32-byte buffer, then a length check. Error
 * texts are the node's, so the SDK sees exactly what a real node would send.
 */

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const DECODE = new Uint8Array(128).fill(0xff);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

const HASH_LEN = 32;

/** Encode bytes (Uint8Array / Buffer / number[]) as base58. */
export function encode(bytes) {
  const input = Uint8Array.from(bytes);
  const digits = [];
  for (const byte of input) {
    let carry = byte;
    for (let j = 0; j < digits.length; j++) {
      carry += digits[j] << 8;
      digits[j] = carry % 58;
      carry = (carry / 58) | 0;
    }
    while (carry > 0) {
      digits.push(carry % 58);
      carry = (carry / 58) | 0;
    }
  }
  let out = '';
  for (let k = 0; k < input.length && input[k] === 0; k++) out += '1';
  for (let j = digits.length - 1; j >= 0; j--) out += ALPHABET[digits[j]];
  return out;
}

/** Rust's `{:?}` of a `char` (what bs58's error message prints). */
function rustCharDebug(code) {
  const esc = { 0: '\\0', 9: '\\t', 10: '\\n', 13: '\\r', 39: "\\'", 92: '\\\\' };
  if (esc[code] !== undefined) return `'${esc[code]}'`;
  if (code < 0x20 || code === 0x7f) return `'\\u{${code.toString(16)}}'`;
  return `'${String.fromCharCode(code)}'`;
}

/**
 * Decode a base58 string into exactly 32 bytes.
 * Returns `{ bytes }` or `{ error }` where `error` is the node's serde message.
 */
export function decodeHash(str) {
  const input = Buffer.from(str, 'utf8');
  const out = new Uint8Array(HASH_LEN);
  let len = 0;
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c > 127) {
      return { error: `provided string contained non-ascii character starting at byte ${i}` };
    }
    let val = DECODE[c];
    if (val === 0xff) {
      return { error: `provided string contained invalid character ${rustCharDebug(c)} at byte ${i}` };
    }
    for (let j = 0; j < len; j++) {
      val += out[j] * 58;
      out[j] = val & 0xff;
      val >>= 8;
    }
    while (val > 0) {
      if (len >= HASH_LEN) return { error: 'buffer provided to decode base58 encoded string into was too small' };
      out[len++] = val & 0xff;
      val >>= 8;
    }
  }
  for (let i = 0; i < input.length && input[i] === 0x31; i++) {
    if (len >= HASH_LEN) return { error: 'buffer provided to decode base58 encoded string into was too small' };
    out[len++] = 0;
  }
  if (len !== HASH_LEN) return { error: `invalid length ${input.length}, expected a base58 encoded hash` };
  return { bytes: out.reverse() };
}

/** True when `str` is 64 hex digits (the other spelling of a group id). */
export function isHex32(str) {
  return typeof str === 'string' && /^[0-9a-fA-F]{64}$/.test(str);
}

/** A fresh random 32-byte hash in base58 (for `newRoot` and sample ids). */
export function randomHash() {
  const bytes = new Uint8Array(HASH_LEN);
  for (let i = 0; i < HASH_LEN; i++) bytes[i] = (Math.random() * 256) | 0;
  return encode(bytes);
}
