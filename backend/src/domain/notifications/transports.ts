/**
 * Where notifications go. Development: `outbox` (kept in the table for `GET /v1/dev/outbox`),
 * `console` (stderr) or `file` (JSON lines). Production: `webhook`, an HTTP POST to the SMS and
 * e-mail provider's relay, signed with HMAC-SHA256 so the relay can tell our messages from
 * anyone else's.
 */
import { createHmac } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import type { Channel } from '../../db/schema.js';

export interface OutgoingMessage {
  id: string;
  channel: Channel;
  to: string;
  kind: string;
  text: string;
  createdAt: number;
}

export interface NotificationTransport {
  readonly name: string;
  /** Resolves when the provider accepted the message; rejects to be retried later. */
  send(message: OutgoingMessage): Promise<void>;
}

/** Nothing leaves: messages stay in the outbox table (dev mode reads them there). */
export const outboxTransport: NotificationTransport = { name: 'outbox', send: () => Promise.resolve() };

export function consoleTransport(write: (line: string) => void = (line) => process.stderr.write(line)): NotificationTransport {
  return {
    name: 'console',
    send(message) {
      write(`[${message.channel} to ${message.to}] ${message.text}\n`);
      return Promise.resolve();
    },
  };
}

export function fileTransport(file: string): NotificationTransport {
  return {
    name: 'file',
    send: (message) => appendFile(file, `${JSON.stringify(message)}\n`, { encoding: 'utf8', mode: 0o600 }),
  };
}

export const WEBHOOK_SIGNATURE_HEADER = 'tegata-webhook-signature';

/** `t=<unix ms>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, like the common webhook schemes. */
export function webhookSignature(secret: string, timestampMs: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestampMs}.${body}`).digest('hex');
  return `t=${timestampMs},v1=${mac}`;
}

export function webhookTransport(options: {
  url: string;
  secret?: string;
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
  nowMs: () => number;
}): NotificationTransport {
  const send = options.fetch ?? globalThis.fetch;
  return {
    name: 'webhook',
    async send(message) {
      const body = JSON.stringify({ id: message.id, channel: message.channel, to: message.to, kind: message.kind, text: message.text, createdAt: message.createdAt });
      const headers: Record<string, string> = { 'content-type': 'application/json', 'idempotency-key': message.id };
      if (options.secret !== undefined) headers[WEBHOOK_SIGNATURE_HEADER] = webhookSignature(options.secret, options.nowMs(), body);
      const response = await send(options.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(options.timeoutMs ?? 5000) });
      // Drain the body so the connection can be reused.
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`webhook answered ${response.status}`);
    },
  };
}
