import { describe, expect, it } from 'vitest';
import { systemRandom } from '../../runtime/random.js';
import { blocklistSize } from './passwordBlocklist.js';
import { checkPassword, hashPassword, needsRehash, verifyPassword } from './passwords.js';

const CHEAP = { logN: 4, r: 8, p: 1 };
const contacts = ['+819012345678', 'hanako@example.jp'];
const check = (password: string) => checkPassword(password, { maxLength: 128, contacts });

describe('password hashing', () => {
  it('stores scrypt parameters and a per-password salt with the hash, and verifies', async () => {
    const a = await hashPassword('correct horse battery staple', CHEAP, systemRandom);
    const b = await hashPassword('correct horse battery staple', CHEAP, systemRandom);
    expect(a).toMatch(/^scrypt\$ln=4,r=8,p=1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b); // salted
    expect(await verifyPassword(a, 'correct horse battery staple', CHEAP)).toBe(true);
    expect(await verifyPassword(a, 'correct horse battery stable', CHEAP)).toBe(false);
    // Verification uses the stored parameters, not today's; a login then rehashes.
    expect(await verifyPassword(a, 'correct horse battery staple', { logN: 5, r: 8, p: 1 })).toBe(true);
    expect(needsRehash(a, CHEAP)).toBe(false);
    expect(needsRehash(a, { logN: 15, r: 8, p: 1 })).toBe(true);
  });

  it('answers false without a hash, after doing the same work', async () => {
    expect(await verifyPassword(undefined, 'anything at all', CHEAP)).toBe(false);
    expect(await verifyPassword('not-a-hash', 'anything at all', CHEAP)).toBe(false);
  });

  it('normalises Unicode (NFKC) so the same password typed differently matches', async () => {
    const stored = await hashPassword('ｐａｓｓｗｏｒｄ　てがた', CHEAP, systemRandom);
    expect(await verifyPassword(stored, 'password てがた', CHEAP)).toBe(true);
  });
});

describe('password rules', () => {
  it('needs 8 characters, allows at least 64, and has no composition rules', () => {
    expect(check('short12')).toBe('too_short');
    expect(check('tangerine mosaic')).toBeNull(); // lowercase letters and a space only
    expect(check('x'.repeat(63) + 'y')).toBeNull();
    expect(check('z'.repeat(64) + 'q'.repeat(64))).toBeNull();
    expect(check('z'.repeat(129))).toBe('too_long');
    // Counted in characters, not bytes.
    expect(check('てがたてがたてが')).toBeNull();
  });

  it('refuses common and breached passwords, in any case', () => {
    expect(blocklistSize()).toBeGreaterThan(10_000);
    for (const common of ['password', 'Password1', 'qwertyuiop', 'iloveyou', '1234567890', 'SUNSHINE1']) {
      expect(check(common), common).toBe('common');
    }
  });

  it('refuses the phone number or e-mail address', () => {
    expect(check('+819012345678')).toBe('matches_contact');
    expect(check('819012345678')).toBe('matches_contact');
    expect(check('Hanako@Example.jp')).toBe('matches_contact');
    expect(check('hanako@example')).toBeNull();
  });
});
