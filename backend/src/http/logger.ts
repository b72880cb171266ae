/**
 * pino, structured. Nothing secret is ever passed to a log call (no bodies, tokens, codes or
 * keys); the redaction list is a second line of defence for headers and well-known names.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["tegata-signature"]',
  'headers.authorization',
  'headers["tegata-signature"]',
  'adminToken',
  '*.adminToken',
  'seed',
  '*.seed',
  'token',
  '*.token',
  'enrollmentCode',
  '*.enrollmentCode',
  'password',
  '*.password',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, base: { service: 'tegata-backend' }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);
}
