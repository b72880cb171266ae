import { connect, createServer } from 'node:net';
import type { Socket } from 'node:net';
import { seededRandom } from '../random/seededRandom.js';
import { DEFAULT_FLAP_MODES, STEADY_FAULT_KINDS, assertValidFaultMode } from './faultMode.js';
import type { FaultMode, SteadyFaultKind, SteadyFaultMode } from './faultMode.js';
import {
  forwardLimited,
  forwardPlain,
  forwardShaped,
  resetSocket,
  systemClock,
  systemTimers,
} from './socketForwarding.js';
import type { FaultProxyClock, FaultProxyTimers } from './socketForwarding.js';

export * from './faultMode.js';
export type { FaultProxyClock, FaultProxyTimers } from './socketForwarding.js';

/**
 * A loopback TCP proxy in front of a backend that injects network faults (DESIGN.md, "Hardware
 * mocks and fixtures"): point the register at `url` instead of the backend and flip `setMode`.
 *
 * A connection keeps the mode it was accepted under for its whole life (a `pass` connection
 * kept alive keeps working after `setMode({ kind: 'down' })`, a blackholed one stays hung after
 * `pass`), unless `setMode(mode, { dropExisting: true })` resets every open connection.
 */
export interface FaultProxy {
  /** The port the proxy listens on, on 127.0.0.1. */
  readonly port: number;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The mode last set (a `flap` stays `flap`). */
  readonly mode: FaultMode;
  /** The mode a connection accepted now gets: `mode`, or the current pick of a `flap`. */
  readonly activeMode: SteadyFaultMode;
  /** A snapshot of the counters. */
  readonly stats: FaultProxyStats;
  /** Applies to new connections at once; throws RangeError on an invalid mode. */
  setMode(mode: FaultMode, options?: { dropExisting?: boolean }): void;
  /** Resets every connection, stops flapping and resolves once the listener is closed. */
  close(): Promise<void>;
}

export interface FaultProxyStats {
  /** Connections accepted since start. */
  readonly connections: number;
  /** Connections (client socket and its upstream) with a socket still open. */
  readonly openConnections: number;
  /** Bytes forwarded from clients to the target. */
  readonly bytesToTarget: number;
  /** Bytes forwarded from the target to clients. */
  readonly bytesToClient: number;
  /** Connections accepted under each mode (for `flap`: under the mode picked at the time). */
  readonly connectionsByMode: Readonly<Record<SteadyFaultKind, number>>;
  /** Picks made by `flap` (including its first one). */
  readonly flapPicks: number;
}

export interface FaultProxyOptions {
  /** The backend to forward to. */
  target: { host: string; port: number };
  /** Port to listen on at 127.0.0.1; 0 (the default) picks a free one. */
  listenPort?: number;
  /** Default `{ kind: 'pass' }`. */
  mode?: FaultMode;
  /** Seeds `flap`'s choices: the same seed gives the same sequence. Default 0. */
  seed?: number;
  clock?: FaultProxyClock;
  timers?: FaultProxyTimers;
  /** Called with every pick `flap` makes, the first one included. */
  onFlap?: (mode: SteadyFaultMode, pick: number) => void;
}

interface Connection {
  readonly sockets: Socket[];
  readonly cancels: (() => void)[];
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const { target } = options;
  const clock = options.clock ?? systemClock;
  const timers = options.timers ?? systemTimers;
  const random = seededRandom(options.seed ?? 0);

  let mode: FaultMode = options.mode ?? { kind: 'pass' };
  assertValidFaultMode(mode);
  let activeMode: SteadyFaultMode = { kind: 'pass' };
  let flapTimer: unknown;
  let closing: Promise<void> | undefined;

  const open = new Set<Connection>();
  const counters = {
    connections: 0,
    bytesToTarget: 0,
    bytesToClient: 0,
    flapPicks: 0,
    byMode: Object.fromEntries(STEADY_FAULT_KINDS.map((kind) => [kind, 0])) as Record<SteadyFaultKind, number>,
  };
  const toTarget = (count: number): void => {
    counters.bytesToTarget += count;
  };
  const toClient = (count: number): void => {
    counters.bytesToClient += count;
  };

  const stopFlapping = (): void => {
    if (flapTimer !== undefined) timers.clearTimeout(flapTimer);
    flapTimer = undefined;
  };

  const flap = (periodMs: number, modes: readonly SteadyFaultMode[]): void => {
    flapTimer = undefined;
    activeMode = random.pick(modes);
    const pick = counters.flapPicks++;
    options.onFlap?.(activeMode, pick);
    flapTimer = timers.setTimeout(() => flap(periodMs, modes), periodMs);
  };

  const applyMode = (next: FaultMode): void => {
    stopFlapping();
    mode = next;
    if (next.kind === 'flap') flap(next.periodMs, next.modes ?? DEFAULT_FLAP_MODES);
    else activeMode = next;
  };

  const dropConnection = (connection: Connection): void => {
    for (const cancel of connection.cancels) cancel();
    for (const socket of connection.sockets) resetSocket(socket);
    open.delete(connection);
  };

  /** A connection is open until every socket of it is destroyed. */
  const track = (connection: Connection, socket: Socket): void => {
    connection.sockets.push(socket);
    socket.on('error', ignoreError);
    socket.on('close', () => {
      if (connection.sockets.every((each) => each.destroyed)) open.delete(connection);
    });
  };

  const handleConnection = (client: Socket): void => {
    const current = activeMode;
    counters.connections++;
    counters.byMode[current.kind]++;
    const connection: Connection = { sockets: [], cancels: [] };
    open.add(connection);
    track(connection, client);

    switch (current.kind) {
      case 'down':
        resetSocket(client);
        return;
      case 'blackhole':
        // Read and discard, so the client's writes complete as they would to a hung server.
        client.on('data', ignoreData);
        client.on('end', () => client.destroy());
        return;
      case 'reset_request':
        if (current.afterBytes === 0) {
          resetSocket(client);
          return;
        }
        break;
      default:
        break;
    }

    const upstream = connect({ host: target.host, port: target.port, allowHalfOpen: true });
    track(connection, upstream);
    // A clean close of one side means both directions already ended there, and the other side
    // is closing on its own; an error (reset, refused, timeout) aborts the other side too.
    client.on('close', (hadError) => {
      if (hadError) dropConnection(connection);
    });
    upstream.on('close', (hadError) => {
      if (hadError) dropConnection(connection);
    });

    switch (current.kind) {
      case 'pass':
        forwardPlain(client, upstream, toTarget);
        forwardPlain(upstream, client, toClient);
        return;
      case 'slow':
        connection.cancels.push(
          forwardShaped(client, upstream, current, clock, timers, toTarget),
          forwardShaped(upstream, client, current, clock, timers, toClient),
        );
        return;
      case 'cut_response':
        forwardPlain(client, upstream, toTarget);
        forwardLimited(upstream, client, current.afterBytes, toClient, (lastSlice) => {
          upstream.destroy();
          // Destroy only once the slice is handed to the kernel, or it would be discarded.
          client.write(lastSlice, () => client.destroy());
        });
        return;
      case 'reset_request':
        forwardPlain(upstream, client, toClient);
        forwardLimited(client, upstream, current.afterBytes, toTarget, (lastSlice) => {
          resetSocket(client);
          upstream.write(lastSlice, () => resetSocket(upstream));
        });
        return;
    }
  };

  const server = createServer({ allowHalfOpen: true }, handleConnection);
  server.on('error', ignoreError);
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen({ host: '127.0.0.1', port: options.listenPort ?? 0 }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy is not listening on TCP');
  const port = address.port;
  applyMode(mode);

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    get mode() {
      return mode;
    },
    get activeMode() {
      return activeMode;
    },
    get stats(): FaultProxyStats {
      return {
        connections: counters.connections,
        openConnections: open.size,
        bytesToTarget: counters.bytesToTarget,
        bytesToClient: counters.bytesToClient,
        connectionsByMode: { ...counters.byMode },
        flapPicks: counters.flapPicks,
      };
    },
    setMode(next, { dropExisting = false } = {}) {
      if (closing !== undefined) throw new Error('the fault proxy is closed');
      assertValidFaultMode(next);
      applyMode(next);
      if (dropExisting) for (const connection of [...open]) dropConnection(connection);
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        stopFlapping();
        server.close(() => resolve());
        for (const connection of [...open]) dropConnection(connection);
      });
      return closing;
    },
  };
}

function ignoreError(): void {
  // Every failure of a proxied socket is seen by its peer as a reset or a close; nothing to report.
}

function ignoreData(): void {
  // Blackhole: bytes go nowhere.
}
