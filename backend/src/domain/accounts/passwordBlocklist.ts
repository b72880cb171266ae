/**
 * Common and breached passwords: the `passwords-common` dictionary of @zxcvbn-ts/language-common
 * (about 30,000 of the most frequent passwords in public breach corpora), plus a few that matter
 * to this service. Only entries a password could be (8 characters or more) are kept.
 */
import { dictionary } from '@zxcvbn-ts/language-common';

/** NIST SP 800-63B's minimum; shorter passwords are refused before the blocklist is asked. */
export const PASSWORD_MIN_LENGTH = 8;

const EXTRA = ['tegata123', 'tegatapay', 'password1!', 'qwerty123!', '7pay7pay', 'sevenpay'];

let blocklist: ReadonlySet<string> | undefined;

function load(): ReadonlySet<string> {
  const entries = [...dictionary['passwords-common'], ...dictionary['diceware-common'], ...EXTRA];
  return new Set(entries.map((entry) => entry.toLowerCase()).filter((entry) => [...entry].length >= PASSWORD_MIN_LENGTH));
}

/** `lower` is the NFKC-normalised, lowercased password. */
export function isBlocklistedPassword(lower: string): boolean {
  blocklist ??= load();
  return blocklist.has(lower);
}

export function blocklistSize(): number {
  blocklist ??= load();
  return blocklist.size;
}
