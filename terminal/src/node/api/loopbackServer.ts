import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TerminalHandlers, TerminalEvent } from '../../shared/contracts/terminalApi.js';
import { handleApiRequest } from './apiRoute.js';
import { createEventSocket } from './eventSocket.js';
import type { LoopbackLogger } from './loopbackLogger.js';
import {
  checkCaller,
  htmlContentSecurityPolicy,
  refuseUpgrade,
  sendRefusal,
  setBaseHeaders,
  tokenMatcher,
} from './requestGuards.js';
import { servePlaceholderPage } from './placeholderPage.js';
import { openStaticSite, serveStatic, type StaticSite } from './staticFiles.js';

export type { LoopbackLogger } from './loopbackLogger.js';

export interface LoopbackServerOptions {
  api: TerminalHandlers;
  /** Every connected event client subscribes once; the returned function unsubscribes it. */
  subscribe: (listener: (event: TerminalEvent) => void) => () => void;
  /** 0 (the default) lets the OS pick a free port. */
  port?: number;
  /** The built renderer; without it only the API and the event socket are served. */
  staticDir?: string;
  /** The per-launch secret; by default 32 random bytes. At least 22 base64url characters. */
  token?: string;
  logger: LoopbackLogger;
  /** How long a new event client has to say hello (default 3 s). */
  helloTimeoutMs?: number;
  /** How often event clients are pinged; one missed pong drops them (default 15 s). */
  pingIntervalMs?: number;
}

export interface LoopbackServer {
  /** `http://127.0.0.1:<port>/#token=<token>`: the fragment never reaches a server or a log. */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/** 128 bits in base64url, and nothing that would need escaping in a header or a fragment. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{22,512}$/;
const EVENTS_PATH = '/api/events';
/** In-flight requests get this long to finish when the server closes. */
const CLOSE_GRACE_MS = 2000;

/**
 * The kiosk / headless front door (DESIGN.md "The terminal core and its two front doors"):
 * the built renderer, the terminal API over HTTP and its events over a WebSocket, on
 * 127.0.0.1 only, for this launch's token holder only.
 */
export async function startLoopbackServer(options: LoopbackServerOptions): Promise<LoopbackServer> {
  const { api, logger } = options;
  const token = options.token ?? randomBytes(32).toString('base64url');
  if (!TOKEN_SHAPE.test(token)) throw new RangeError('the loopback token must be 22 to 512 base64url characters');
  const requestedPort = options.port ?? 0;
  if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65535) {
    throw new RangeError(`not a port: ${requestedPort}`);
  }
  const site: StaticSite | null = options.staticDir === undefined ? null : await openStaticSite(options.staticDir);
  const isToken = tokenMatcher(token);

  // Known once listening; no request can arrive before.
  let port = 0;
  let htmlPolicy = '';
  let closing = false;

  const events = createEventSocket({
    subscribe: options.subscribe,
    isToken,
    logger,
    helloTimeoutMs: options.helloTimeoutMs ?? 3000,
    pingIntervalMs: options.pingIntervalMs ?? 15_000,
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    setBaseHeaders(res);
    const refusal = checkCaller(req, port);
    if (refusal) {
      logger.warn({ event: 'refused', status: refusal.status, code: refusal.code }, 'refused a request');
      return sendRefusal(res, refusal);
    }
    const target = req.url ?? '';
    if (!target.startsWith('/')) {
      return sendRefusal(res, { status: 400, code: 'bad_request', message: 'bad request target' });
    }
    const queryAt = target.indexOf('?');
    const path = queryAt === -1 ? target : target.slice(0, queryAt);
    const query = queryAt === -1 ? '' : target.slice(queryAt + 1);
    if (path.startsWith('/api/')) {
      return handleApiRequest(req, res, path.slice('/api/'.length), query, { api, isToken, logger });
    }
    // No screen built yet: `/` says what this is and where to go (no token needed, nothing in it).
    if (site === null && path === '/') return servePlaceholderPage(req, res);
    if (site === null || path === '/api') {
      return sendRefusal(res, { status: 404, code: 'not_found', message: 'not found' });
    }
    return serveStatic(req, res, path, site, htmlPolicy);
  }

  // A request without Host gets our 421, not Node's 400, so every refusal reads the same.
  const server = createServer({ requireHostHeader: false }, (req, res) => {
    const startedAt = performance.now();
    // The path only: a query can carry API input, and input can carry a scanned payment token.
    const path = (req.url ?? '').split('?')[0];
    res.on('finish', () => {
      logger.debug(
        { event: 'http', method: req.method, path, status: res.statusCode, ms: Math.round(performance.now() - startedAt) },
        'request',
      );
    });
    handle(req, res).catch((error: unknown) => {
      logger.error({ err: error, path }, 'request failed');
      if (res.headersSent) res.destroy();
      else sendRefusal(res, { status: 500, code: 'internal', message: 'internal error' });
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', (error) => logger.debug({ err: error, event: 'upgrade_socket_error' }, 'upgrade socket error'));
    const refusal =
      checkCaller(req, port) ??
      (req.url?.split('?')[0] !== EVENTS_PATH ? { status: 404, code: 'not_found' as const, message: 'not found' } : null) ??
      (closing ? { status: 503, code: 'unavailable' as const, message: 'closing' } : null);
    if (refusal) {
      logger.warn({ event: 'refused_upgrade', status: refusal.status, code: refusal.code }, 'refused a WebSocket upgrade');
      refuseUpgrade(socket, refusal);
      return;
    }
    events.handleUpgrade(req, socket, head);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: requestedPort, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch(async (error: unknown) => {
    await events.close();
    throw error;
  });
  server.on('error', (error) => logger.error({ err: error }, 'loopback server error'));

  port = (server.address() as AddressInfo).port;
  htmlPolicy = htmlContentSecurityPolicy(port);
  logger.info({ event: 'listening', port, static: site !== null }, `loopback server listening on http://127.0.0.1:${port}`);

  let closed: Promise<void> | null = null;
  function close(): Promise<void> {
    closed ??= (async () => {
      closing = true;
      const serverClosed = new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
      server.closeIdleConnections();
      const cutOff = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
      try {
        await events.close();
        await serverClosed;
      } finally {
        clearTimeout(cutOff);
      }
      logger.info({ event: 'closed', port }, 'loopback server closed');
    })();
    return closed;
  }

  return { url: `http://127.0.0.1:${port}/#token=${token}`, port, token, close };
}
