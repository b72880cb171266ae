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
