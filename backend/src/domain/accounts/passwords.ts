/**
 * Passwords (DESIGN.md "Accounts and devices"): scrypt from node:crypto with a per-password
 * salt, the parameters stored with each hash so they can be raised later (a login with an old
 * hash rehashes it); at least 8 and at most `passwordMaxLength` characters, no composition
 * rules, refused when common or breached, or equal to the account's phone or e-mail.
 */
import { scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { fromBase64url, toBase64url } from '@tegata/protocol';
import type { Random } from '../../runtime/random.js';
import { isBlocklistedPassword, PASSWORD_MIN_LENGTH } from './passwordBlocklist.js';

export { PASSWORD_MIN_LENGTH };
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

export interface ScryptParams {
  logN: number;
  r: number;
  p: number;
}

const HASH_FORMAT = /^scrypt\$ln=(\d{1,2}),r=(\d{1,3}),p=(\d{1,2})\$([A-Za-z0-9_-]{22})\$([A-Za-z0-9_-]{43})$/;

function scrypt(password: string, salt: Uint8Array, params: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = {
    N: 2 ** params.logN,
    r: params.r,
    p: params.p,
    // scrypt needs 128·N·r bytes; allow twice that so Node never refuses our own parameters.
    maxmem: 256 * 2 ** params.logN * params.r + 1024 * 1024,
  };
  return new Promise((resolve, reject) => {
    scryptCallback(password.normalize('NFKC'), salt, KEY_LENGTH, options, (error, key) => (error === null ? resolve(key) : reject(error)));
  });
}

export async function hashPassword(password: string, params: ScryptParams, random: Random): Promise<string> {
  const salt = random.bytes(SALT_LENGTH);
  const key = await scrypt(password, salt, params);
  return `scrypt$ln=${params.logN},r=${params.r},p=${params.p}$${toBase64url(salt)}$${toBase64url(key)}`;
}

interface ParsedHash {
  params: ScryptParams;
  salt: Uint8Array;
  key: Uint8Array;
}

function parseHash(stored: string): ParsedHash | undefined {
  const match = HASH_FORMAT.exec(stored);
  if (match === null) return undefined;
  const salt = fromBase64url(match[4] ?? '');
  const key = fromBase64url(match[5] ?? '');
  if (salt === null || key === null) return undefined;
  return { params: { logN: Number(match[1]), r: Number(match[2]), p: Number(match[3]) }, salt, key };
}

const DUMMY_SALT = new Uint8Array(SALT_LENGTH);

/**
 * True when `password` matches `stored`. With no stored hash (no such account) it still runs
 * scrypt once with the current parameters and answers false, so both cost the same time.
 */
export async function verifyPassword(stored: string | null | undefined, password: string, current: ScryptParams): Promise<boolean> {
  const parsed = stored === null || stored === undefined ? undefined : parseHash(stored);
  if (parsed === undefined) {
    await scrypt(password, DUMMY_SALT, current);
    return false;
  }
  const key = await scrypt(password, parsed.salt, parsed.params);
  return timingSafeEqual(key, parsed.key);
}

/** The stored hash was made with other parameters than today's: rehash after a good login. */
export function needsRehash(stored: string, current: ScryptParams): boolean {
  const parsed = parseHash(stored);
  return parsed === undefined || parsed.params.logN !== current.logN || parsed.params.r !== current.r || parsed.params.p !== current.p;
}

export type PasswordProblem = 'too_short' | 'too_long' | 'common' | 'matches_contact';

const PROBLEM_TEXT: Record<PasswordProblem, string> = {
  too_short: `use at least ${PASSWORD_MIN_LENGTH} characters`,
  too_long: 'the password is too long',
  common: 'this password is too common or has appeared in a data breach; choose another',
  matches_contact: 'the password must not be your phone number or e-mail address',
};

export function passwordProblemText(problem: PasswordProblem): string {
  return PROBLEM_TEXT[problem];
}

/**
 * NIST SP 800-63B: length (counted in code points after NFKC), a blocklist, nothing else. No
 * composition rules: they make passwords harder to remember, not harder to guess.
 */
export function checkPassword(
  password: string,
  options: { maxLength: number; contacts: readonly (string | null | undefined)[] },
): PasswordProblem | null {
  const normalised = password.normalize('NFKC');
  const length = [...normalised].length;
  if (length < PASSWORD_MIN_LENGTH) return 'too_short';
  if (length > options.maxLength) return 'too_long';
  const lower = normalised.toLowerCase();
  for (const contact of options.contacts) {
    if (contact === null || contact === undefined || contact === '') continue;
    const forms = [contact.toLowerCase()];
    if (contact.startsWith('+')) forms.push(contact.slice(1));
    if (contact.includes('@')) forms.push(contact.slice(0, contact.indexOf('@')).toLowerCase());
    if (forms.includes(lower)) return 'matches_contact';
  }
  if (isBlocklistedPassword(lower)) return 'common';
  return null;
}
