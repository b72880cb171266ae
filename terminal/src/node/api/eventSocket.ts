import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { z } from 'zod';
import type { TerminalEvent } from '../../shared/contracts/terminalApi.js';
import type { LoopbackLogger } from './loopbackLogger.js';

/** Close codes the renderer can act on. */
export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_POLICY = 1008;
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_INTERNAL = 1011;

/** A client this far behind is dropped; it reconnects and re-reads status. */
export const MAX_BUFFERED_BYTES = 1024 * 1024;

export interface EventSocketOptions {
  subscribe: (listener: (event: TerminalEvent) => void) => () => void;
  isToken: (candidate: string) => boolean;
  logger: LoopbackLogger;
  helloTimeoutMs: number;
  pingIntervalMs: number;
}

export interface EventSocket {
  /** Takes over an upgrade that already passed the Host and Origin checks. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Closes every client (1001) and resolves once all are gone. */
  close(): Promise<void>;
}

/**
 * The first (and only) message a client sends. Browsers cannot put an Authorization header on a
 * WebSocket, and a token in the URL would end up in logs and history.
 */
const helloSchema = z.object({ type: z.literal('hello'), token: z.string().max(512) }).strict();

interface Client {
  socket: WebSocket;
  alive: boolean;
  phase: 'hello' | 'subscribed' | 'closing';
  unsubscribe: () => void;
  closed: Promise<void>;
}

function textOf(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return Buffer.from(data).toString('utf8');
}

function isHello(data: RawData, isBinary: boolean, isToken: (candidate: string) => boolean): boolean {
  if (isBinary) return false;
  let message: unknown;
  try {
    message = JSON.parse(textOf(data));
  } catch {
    return false;
  }
  const hello = helloSchema.safeParse(message);
  return hello.success && isToken(hello.data.token);
}

export function createEventSocket(options: EventSocketOptions): EventSocket {
  const { logger } = options;
  // A hello is tiny; nothing a client may send needs more.
  const server = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false });
  const clients = new Set<Client>();

  const heartbeat = setInterval(() => {
    for (const client of clients) {
      if (!client.alive) {
        logger.warn({ event: 'ws_dead' }, 'dropping an event client that stopped answering pings');
        client.socket.terminate();
        continue;
      }
      client.alive = false;
      client.socket.ping();
    }
  }, options.pingIntervalMs);
  heartbeat.unref();

  function send(client: Client, event: TerminalEvent): void {
    if (client.phase !== 'subscribed' || client.socket.readyState !== client.socket.OPEN) return;
    if (client.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      logger.warn({ event: 'ws_slow', bufferedAmount: client.socket.bufferedAmount }, 'dropping an event client that cannot keep up');
      client.socket.terminate();
      return;
    }
    let text: string;
    try {
      text = JSON.stringify(event);
    } catch (error) {
      logger.error({ err: error, eventType: event.type }, 'cannot serialise a terminal event');
      return;
    }
    client.socket.send(text);
  }

  function accept(socket: WebSocket): void {
    let markClosed: () => void = () => undefined;
    const client: Client = {
      socket,
      alive: true,
      phase: 'hello',
      unsubscribe: () => undefined,
      closed: new Promise((resolve) => (markClosed = resolve)),
    };
    clients.add(client);

    const helloTimer = setTimeout(() => {
      client.phase = 'closing';
      socket.close(CLOSE_UNAUTHORIZED, 'hello expected');
    }, options.helloTimeoutMs);
    socket.on('pong', () => (client.alive = true));
    socket.on('error', (error) => logger.warn({ err: error, event: 'ws_error' }, 'event client error'));
    socket.on('message', (data, isBinary) => {
      if (client.phase === 'closing') return;
      if (client.phase === 'subscribed') {
        // Nothing after hello means anything: a client that talks is not ours.
        client.phase = 'closing';
        socket.close(CLOSE_POLICY, 'unexpected message');
        return;
      }
      clearTimeout(helloTimer);
      if (!isHello(data, isBinary, options.isToken)) {
        logger.warn({ event: 'ws_refused' }, 'event client sent no valid hello');
        client.phase = 'closing';
        socket.close(CLOSE_UNAUTHORIZED, 'unauthorized');
        return;
      }
      client.phase = 'subscribed';
      try {
        client.unsubscribe = options.subscribe((event) => send(client, event));
      } catch (error) {
        logger.error({ err: error }, 'cannot subscribe an event client');
        client.phase = 'closing';
        socket.close(CLOSE_INTERNAL, 'internal error');
        return;
      }
      logger.debug({ event: 'ws_ready', clients: clients.size }, 'event client subscribed');
    });
    socket.on('close', () => {
      clearTimeout(helloTimer);
      clients.delete(client);
      client.phase = 'closing';
      client.unsubscribe();
      markClosed();
    });
  }

  return {
    handleUpgrade(req, socket, head) {
      server.handleUpgrade(req, socket, head, accept);
    },
    async close() {
      clearInterval(heartbeat);
      const all = [...clients];
      for (const client of all) client.socket.close(CLOSE_GOING_AWAY, 'server closing');
      // A client that does not finish the closing handshake promptly is cut off.
      const cutOff = setTimeout(() => {
        for (const client of all) client.socket.terminate();
      }, 1000);
      await Promise.all(all.map((client) => client.closed));
      clearTimeout(cutOff);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
