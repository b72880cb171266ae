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
  const bytes = random.bytes(16);
  const ms = clock.nowMs();
  const high = Math.floor(ms / 2 ** 16);
  bytes[0] = (high >>> 24) & 0xff;
  bytes[1] = (high >>> 16) & 0xff;
  bytes[2] = (high >>> 8) & 0xff;
  bytes[3] = high & 0xff;
  bytes[4] = (ms >>> 8) & 0xff;
  bytes[5] = ms & 0xff;
  bytes[6] = 0x70 | ((bytes[6] ?? 0) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
