import { uuidv7 as protocolUuidv7 } from '@tegata/protocol';
import type { Clock } from './clock.js';
import type { Random } from './random.js';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** Lowercase base32 of random bytes: ids that fit [A-Za-z0-9_-] and read aloud well. */
export function randomBase32(random: Random, byteLength: number): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const byte of random.bytes(byteLength)) {
    acc = ((acc << 8) | byte) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32[(acc >> bits) & 31]!;
    }
  }
  if (bits > 0) out += BASE32[(acc << (5 - bits)) & 31]!;
  return out;
}

/** An opaque id with a readable prefix: `sto_…`, `trm_…` (16 random bytes). */
export function newId(prefix: string, random: Random): string {
  return `${prefix}_${randomBase32(random, 16)}`;
}

/** A lowercase UUIDv7 (RFC 9562): time-ordered, so indexes stay append-mostly. */
export function uuidv7(clock: Clock, random: Random): string {
  return protocolUuidv7(clock.nowMs(), (length) => random.bytes(length));
}

let lastMonotonic: { ms: number; bytes: Uint8Array } | null = null;

/**
 * A UUIDv7 that sorts after every earlier one this process made, even within one millisecond
 * (RFC 9562 §6.2 method 2: the random part of the previous id plus one), so rows ordered by id
 * come out in creation order — the outbox's "newest first" under a frozen test clock.
 */
export function monotonicUuidv7(clock: Clock, random: Random): string {
  const ms = clock.nowMs();
  let bytes: Uint8Array;
  if (lastMonotonic !== null && ms <= lastMonotonic.ms) {
    bytes = Uint8Array.from(lastMonotonic.bytes);
    for (let i = 15; i >= 6; i--) {
      const next = ((bytes[i] ?? 0) + 1) & 0xff;
      bytes[i] = next;
      if (next !== 0) break;
    }
  } else {
    bytes = random.bytes(16);
    bytes[0] = 0; // set below; the first random bytes are replaced by the time
  }
  const at = lastMonotonic !== null && ms <= lastMonotonic.ms ? lastMonotonic.ms : ms;
  const high = Math.floor(at / 2 ** 16);
  bytes[0] = (high >>> 24) & 0xff;
  bytes[1] = (high >>> 16) & 0xff;
  bytes[2] = (high >>> 8) & 0xff;
  bytes[3] = high & 0xff;
  bytes[4] = (at >>> 8) & 0xff;
  bytes[5] = at & 0xff;
  bytes[6] = 0x70 | ((bytes[6] ?? 0) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  lastMonotonic = { ms: at, bytes };
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
