import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ApiError } from '../../shared/contracts/terminalApi.js';

/**
 * The checks every request to the loopback server passes before anything else looks at it:
 * Host (DNS rebinding), Origin and Sec-Fetch-Site (cross-site pages), and the bearer token.
 */

/** What the loopback transport can refuse with, on top of the API's own refusal codes. */
export type LoopbackErrorCode =
  | ApiError['code']
  | 'misdirected'
  | 'forbidden'
  | 'unauthorized'
  | 'unknown_method'
  | 'method_not_allowed'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'bad_request'
  | 'unavailable';

export interface Refusal {
  status: number;
  code: LoopbackErrorCode;
  message: string;
}

/** All values a header was sent with, however many times it was repeated. */
function headerValues(req: IncomingMessage, name: string): string[] {
  const values: string[] = [];
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]?.toLowerCase() === name) values.push(raw[i + 1] ?? '');
  }
  return values;
}

/**
 * Refuses a request whose Host is not this server (a page on evil.example whose name now
 * resolves to 127.0.0.1), or that comes from another origin's page. Browsers omit Origin on
 * some same-origin GETs, so an absent Origin passes; a present one must be ours.
 */
export function checkCaller(req: IncomingMessage, port: number): Refusal | null {
  const hosts = headerValues(req, 'host');
  const host = hosts.length === 1 ? hosts[0]?.toLowerCase() : undefined;
  if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
    return { status: 421, code: 'misdirected', message: 'this server answers only to 127.0.0.1 and localhost on its own port' };
  }
  const origins = headerValues(req, 'origin');
  if (origins.length > 1 || (origins.length === 1 && origins[0] !== `http://127.0.0.1:${port}` && origins[0] !== `http://localhost:${port}`)) {
    return { status: 403, code: 'forbidden', message: 'requests from other origins are refused' };
  }
  // `same-site` is another port of localhost: still not us.
  const site = headerValues(req, 'sec-fetch-site').join(',').toLowerCase();
  if (site.includes('cross-site') || site.includes('same-site')) {
    return { status: 403, code: 'forbidden', message: 'cross-site requests are refused' };
  }
  return null;
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * A constant-time comparison against the launch token. Both sides are hashed first so the
 * comparison takes the same time whatever the candidate's length.
 */
export function tokenMatcher(token: string): (candidate: string) => boolean {
  const expected = sha256(token);
  return (candidate) => timingSafeEqual(sha256(candidate), expected);
}

const BEARER = /^Bearer +(\S+) *$/i;

export function hasBearerToken(req: IncomingMessage, isToken: (candidate: string) => boolean): boolean {
  const values = headerValues(req, 'authorization');
  if (values.length !== 1) return false;
  const match = BEARER.exec(values[0] ?? '');
  return match?.[1] !== undefined && isToken(match[1]);
}

/** Headers every response carries, whatever it is; static HTML replaces the CSP. */
const BASE_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
};

export function setBaseHeaders(res: ServerResponse): void {
  for (const [name, value] of Object.entries(BASE_HEADERS)) res.setHeader(name, value);
}

/** The policy for the renderer's pages: only this server, its event socket and the camera. */
export function htmlContentSecurityPolicy(port: number): string {
  return [
    "default-src 'self'",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "img-src 'self' data: blob:",
    "media-src 'self' blob: mediastream:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function refusalBody(code: LoopbackErrorCode, message: string): string {
  return JSON.stringify({ ok: false, error: { code, message } });
}

export function sendJson(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

export function sendRefusal(res: ServerResponse, refusal: Refusal, headers: Record<string, string> = {}): void {
  sendJson(res, refusal.status, refusalBody(refusal.code, refusal.message), headers);
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  421: 'Misdirected Request',
  503: 'Service Unavailable',
};

/** Answers a refused WebSocket upgrade on the raw socket (no ServerResponse exists for it). */
export function refuseUpgrade(socket: Duplex, refusal: Refusal): void {
  const body = refusalBody(refusal.code, refusal.message);
  const head = [
    `HTTP/1.1 ${refusal.status} ${STATUS_TEXT[refusal.status] ?? 'Error'}`,
    'Connection: close',
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(BASE_HEADERS).map(([name, value]) => `${name}: ${value}`),
  ];
  // end(), not destroy(): a half-close lets the client read the answer instead of a reset.
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}
