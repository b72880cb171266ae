import { sha256, toHex } from '@tegata/protocol';

/** The certificate a token carries, identified by the hash of its 128 bytes. */
export function certificateKey(tokenBytes: Uint8Array): string {
  return toHex(sha256(tokenBytes.subarray(2, 130)));
}

/** The replay-relevant fields at their §2/§3 offsets (the token passed the decoder). */
export function tokenIdentity(tokenBytes: Uint8Array): { deviceId: string; counter: number; issuedAt: number; ttl: number } {
  const view = new DataView(tokenBytes.buffer, tokenBytes.byteOffset, tokenBytes.byteLength);
  return { deviceId: toHex(tokenBytes.subarray(8, 16)), issuedAt: view.getUint32(130), counter: view.getUint32(134), ttl: view.getUint16(138) };
}

/** The replay cache entry of an approved token (check 14): kept until issued_at + ttl + 2·skew. */
export function replayEntry(tokenBytes: Uint8Array, clockSkewSeconds: number): { deviceId: string; counter: number; keepUntil: number } {
  const { deviceId, counter, issuedAt, ttl } = tokenIdentity(tokenBytes);
  return { deviceId, counter, keepUntil: issuedAt + ttl + 2 * clockSkewSeconds };
}
