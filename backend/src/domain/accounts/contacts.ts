/**
 * Phone numbers, e-mail addresses and client addresses in one canonical form each, so that a
 * number typed with spaces and the same number without them are one account, one SMS limit and
 * one throttle counter.
 */
import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

/** E.164: `+`, a country code not starting with 0, at most 15 digits in all. */
const E164 = /^\+[1-9][0-9]{7,14}$/;
/** Deliberately plain: one @, no spaces, a dot in the domain. Delivery of the code proves the rest. */
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/;

/** `+81 90-1234-5678` → `+819012345678`; undefined when it is not an E.164 number. */
export function normalisePhone(input: string): string | undefined {
  const compact = input.trim().replace(/[\s().-]/g, '');
  return E164.test(compact) ? compact : undefined;
}

/** Lowercased and trimmed; undefined when it does not look like an address. */
export function normaliseEmail(input: string): string | undefined {
  const email = input.trim().toLowerCase();
  return email.length <= 254 && EMAIL.test(email) ? email : undefined;
}

export type Login = { kind: 'phone'; value: string } | { kind: 'email'; value: string };

/** A login is an e-mail address when it holds an @, otherwise a phone number. */
export function parseLogin(input: string): Login | undefined {
  if (input.includes('@')) {
    const value = normaliseEmail(input);
    return value === undefined ? undefined : { kind: 'email', value };
  }
  const value = normalisePhone(input);
  return value === undefined ? undefined : { kind: 'phone', value };
}

/**
 * The throttle key of a login name: the same whether or not it names an account, so counters
 * (and their delays) say nothing about which accounts exist. Hashed so logs and counter keys
 * carry no phone number or address.
 */
export function loginKey(login: Login): string {
  return createHash('sha256').update(`tegata/login/v1:${login.value}`).digest('hex').slice(0, 32);
}

/** The number block SMS pumping targets: `+` and the first `digits` digits. */
export function phonePrefix(phone: string, digits: number): string {
  return phone.slice(0, 1 + digits);
}

/** `+81******5678`, `a***@example.com`: enough for a customer to recognise, for messages and logs. */
export function maskPhone(phone: string): string {
  return `${phone.slice(0, 3)}${'*'.repeat(Math.max(0, phone.length - 7))}${phone.slice(-4)}`;
}

export function maskEmail(email: string): string {
  const at = email.indexOf('@');
  return `${email.slice(0, 1)}***${email.slice(at)}`;
}

/** IPv4-mapped IPv6 (`::ffff:192.0.2.1`) is the IPv4 address. */
export function normaliseIp(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return mapped?.[1] ?? ip.toLowerCase();
}

/** The /24 of an IPv4 address or the /64 of an IPv6 address: one subscriber's block. */
export function networkOf(ip: string): string {
  const address = normaliseIp(ip);
  if (isIPv4(address)) return `${address.split('.').slice(0, 3).join('.')}.0/24`;
  if (isIPv6(address)) {
    const groups = expandIpv6(address);
    return `${groups.slice(0, 4).join(':')}::/64`;
  }
  return address;
}

function expandIpv6(address: string): string[] {
  const [head = '', tail] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  // An embedded IPv4 tail (`::1.2.3.4`) counts as two groups.
  const last = right.at(-1) ?? left.at(-1);
  const ipv4Groups = last !== undefined && last.includes('.') ? 1 : 0;
  const missing = 8 - left.length - right.length - ipv4Groups;
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, missing)).fill('0'), ...right];
  return groups.map((group) => (group.includes('.') ? group : group.padStart(4, '0')));
}
