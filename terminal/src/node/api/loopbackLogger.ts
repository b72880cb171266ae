/**
 * The part of a pino logger the loopback server uses, so a test can hand in a fake. Nothing
 * logged through it may contain the launch token, a request body or a scan (a scan is a
 * payment token).
 */
export interface LoopbackLogger {
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}
