/**
 * The texts customers read. Short enough for one SMS where they go by SMS; every code message
 * says how long it lasts and never to share it, and every security event says what to do if it
 * was not the customer.
 */
const NOT_YOU = 'If this was not you, reset your password and remove the phone in the Tegata app, or call support.';

/**
 * Control characters (C0, DEL, C1) and the bidirectional formatting characters (embeddings
 * and overrides U+202A–U+202E, isolates U+2066–U+2069, marks U+200E/U+200F/U+061C): a name
 * holding one can hide or reorder the words of a notice around it (issue 9 §4).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_IN_NAMES = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

/** True when `name` may appear in a notice. */
export function isSafeName(name: string): boolean {
  return !UNSAFE_IN_NAMES.test(name);
}

/** A name inside a notice: always quoted, inner quotes and backslashes escaped, so it reads as data. */
export function quoteName(name: string): string {
  return JSON.stringify(name);
}

function minutes(seconds: number): string {
  const m = Math.max(1, Math.round(seconds / 60));
  return `${m} minute${m === 1 ? '' : 's'}`;
}

export type CodeTextPurpose = 'signup' | 'login' | 'reset' | 'bind' | 'password';

const CODE_WHAT: Record<CodeTextPurpose, string> = {
  signup: 'sign-up',
  login: 'login',
  reset: 'password reset',
  bind: 'new phone',
  password: 'password change',
};

const CODE_WARNING: Record<CodeTextPurpose, string> = {
  signup: '',
  login: ' Someone entered your password to log in: if it was not you, change your password.',
  reset: ' A password reset was requested; if it was not you, ignore this message: your password is unchanged.',
  bind: ' Someone logged in with your password and SMS code and wants to add a new phone without your current one. If it was not you, do not use this code: reset your password with both codes.',
  password: ' Someone logged in with your password and SMS code and wants to change your password. If it was not you, do not use this code: reset your password with both codes.',
};

export function codeText(code: string, ttlSeconds: number, purpose: CodeTextPurpose): string {
  const what = CODE_WHAT[purpose];
  const warning = CODE_WARNING[purpose];
  return `Your Tegata ${what} code is ${code}. It expires in ${minutes(ttlSeconds)}. Never share it.${warning}`;
}

export function maskCode(text: string): string {
  return text.replace(/\b[0-9]{6}\b/g, '******');
}

export const MESSAGES = {
  signupExists: (channel: 'sms' | 'email') =>
    `Someone tried to open a Tegata account with this ${channel === 'sms' ? 'phone number' : 'e-mail address'}, which already has one. ` +
    'If it was you, log in instead or reset your password. Otherwise you can ignore this message.',
  welcome: () => 'Welcome to Tegata. Your phone number and e-mail address are verified. Bind your phone in the app to pay.',
  secondFactorFailed: () =>
    `A login to your Tegata account with your correct password failed its second step (too many wrong codes). Your password may be known to someone else: change it. ${NOT_YOU}`,
  deviceBound: (name: string, at: string) =>
    `A phone (${quoteName(name)}) was bound to your Tegata wallet at ${at}. Any phone bound before it can no longer pay. ${NOT_YOU}`,
  devicePending: (name: string, at: string, until: string) =>
    `A new phone (${quoteName(name)}) was added to your Tegata wallet at ${at} with your SMS and e-mail codes. It cannot pay until ${until}; ` +
    `until then your current phone keeps working, and then it replaces it. ${NOT_YOU}`,
  deviceRevoked: (name: string, at: string) => `The phone ${quoteName(name)} was removed from your Tegata wallet at ${at}; it can no longer pay.`,
  passwordChanged: (at: string, cooldownHours: number) =>
    `Your Tegata password was reset at ${at} and every session was ended.` +
    (cooldownHours > 0 ? ` For ${cooldownHours} hours a newly bound phone cannot pay offline.` : '') +
    ` ${NOT_YOU}`,
  passwordChangedInSession: (at: string) => `Your Tegata password was changed at ${at} and every session was ended. ${NOT_YOU}`,
  passwordChangedInSessionWithCooldown: (at: string, cooldownHours: number) =>
    `Your Tegata password was changed at ${at} with your SMS and e-mail codes, and every session was ended. ` +
    `For ${cooldownHours} hours a newly bound phone cannot pay offline. ${NOT_YOU}`,
  undoSentence: (code: string) =>
    `Not you? Log in with your e-mail code and enter ${code} under "This wasn't me": it cancels a new phone, ends every session and freezes the account until a reset with both codes.`,
  frozen: (at: string) =>
    `Your Tegata account was frozen at ${at} ("This wasn't me"): any new phone was cancelled and every session ended. ` +
    'Binding a phone, changing the password and online payments resume after a password reset with both codes (SMS and e-mail).',
  topup: (amount: number, currency: number) => `Your Tegata wallet was topped up with ${amount} (currency ${currency}) by card.`,
};

/** UTC, to the minute: `2025-11-26 03:09 UTC`. */
export function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
