/**
 * RFC 9562 UUIDv7 from injected time and randomness (STYLE.md habit 6): 48 bits of Unix
 * milliseconds, version 7, 12 + 62 random bits, variant 10. Lowercase, as §7 requires.
 */
export function uuidv7(unixMs: number, random: (length: number) => Uint8Array): string {
  if (!Number.isSafeInteger(unixMs) || unixMs < 0 || unixMs >= 2 ** 48) throw new RangeError('uuidv7 time out of range');
  const bytes = random(16);
  if (bytes.length !== 16) throw new RangeError('random must return the bytes asked for');
  const high = Math.floor(unixMs / 2 ** 16);
  bytes[0] = (high >>> 24) & 0xff;
  bytes[1] = (high >>> 16) & 0xff;
  bytes[2] = (high >>> 8) & 0xff;
  bytes[3] = high & 0xff;
  bytes[4] = (unixMs >>> 8) & 0xff;
  bytes[5] = unixMs & 0xff;
  bytes[6] = 0x70 | ((bytes[6] ?? 0) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
