/**
 * Composition root: opens the database, migrates, loads the keys (creating TEST-ONLY ones on
 * first start in dev mode), signs the first trust bundle, and wires the HTTP routes. No logic
 * of its own; everything it wires takes its clock, randomness and storage as parameters.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CertificateCache, createTokenVerifier, type Ed25519 } from '@tegata/protocol';
import { nodeEd25519 } from '@tegata/protocol/node';
import type { FastifyInstance } from 'fastify';
import type { DestinationStream, Logger } from 'pino';
import { keysDirectory, type Config } from './config/config.js';
import { openDatabase, ping, SQLITE_FILE_NAME, type Db } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { createLogger } from './http/logger.js';
import { createMetrics, type Metrics } from './http/metrics.js';
import { buildOpenApiDocument } from './http/openapi.js';
import type { AnyRoute } from './http/route.js';
import { buildServer } from './http/server.js';
import { initKeys } from './keys/keyCommands.js';
import { ROOT_FILE, loadKeyring, testOnlyProblems } from './keys/keyFiles.js';
import { startMaintenance } from './maintenance.js';
import type { AppContext } from './context.js';
import { databaseCounters, type CounterStore } from './domain/counters.js';
import { openRedisCounters } from './domain/redisCounters.js';
import { FakeSimSwapProvider, httpSimSwapProvider, type SimSwapProvider } from './domain/accounts/simSwapProvider.js';
import { NotificationDispatcher, transportFor } from './domain/notifications/dispatcher.js';
import type { NotificationTransport } from './domain/notifications/transports.js';
import type { CardGateway } from './domain/wallet/cardGateway.js';
import { testCardGateway } from './domain/wallet/testCardGateway.js';
import { customerAuthenticator } from './http/customerAuth.js';
import { accountRoutes } from './routes/accountRoutes.js';
import { deviceRoutes } from './routes/deviceRoutes.js';
import { walletRoutes } from './routes/walletRoutes.js';
import { adminRoutes } from './routes/adminRoutes.js';
import { devRoutes } from './routes/devRoutes.js';
import { enrollRoutes } from './routes/enrollRoutes.js';
import { systemRoutes } from './routes/systemRoutes.js';
import { terminalRoutes } from './routes/terminalRoutes.js';
import { nowSeconds, systemClock, type Clock } from './runtime/clock.js';
import { systemRandom, type Random } from './runtime/random.js';
import { TrustService } from './trust/trustService.js';

export const BACKEND_VERSION = '0.1.0';

export interface BackendOptions {
  config: Config;
  clock?: Clock;
  random?: Random;
  ed25519?: Ed25519;
  /** Where log lines go (stdout by default); tests capture them. */
  logDestination?: DestinationStream;
  /** Replaces the configured notification transport (tests capture deliveries). */
  notificationTransport?: NotificationTransport;
  /** The card gateway for top-ups; dev mode defaults to the test gateway, production has none unless given. */
  cardGateway?: CardGateway;
  /** Replaces the configured SIM-swap provider. */
  simSwapProvider?: SimSwapProvider;
}

export interface Backend {
  readonly config: Config;
  readonly app: FastifyInstance;
  readonly db: Db;
  readonly trust: TrustService;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** What the routes are built from; tests reach domain functions through it. */
  readonly context: AppContext;
  readonly notifications: NotificationDispatcher;
  /** Listens on config.host:config.port (0: any free port); resolves to the base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** The configured SIM-swap provider; dev mode uses the fake when none is configured. */
function simSwapProviderFor(config: Config, clock: Clock): SimSwapProvider | undefined {
  const { provider, url, token } = config.simSwap;
  if (provider === 'http' && url !== undefined && token !== undefined) return httpSimSwapProvider({ url, token });
  if (provider === 'fake' || (provider === 'none' && config.dev)) return new FakeSimSwapProvider(() => clock.nowMs());
  return undefined;
}

/** The backend cannot start; the message says what to do. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

export async function createBackend(options: BackendOptions): Promise<Backend> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? systemRandom;
  const ed = options.ed25519 ?? nodeEd25519;
  const logger = createLogger(config.logLevel, options.logDestination);
  const metrics = createMetrics();

  const keysDir = keysDirectory(config);
  if (!existsSync(path.join(keysDir, ROOT_FILE))) {
    if (!config.dev) {
      throw new StartupError(`no keys in ${keysDir}: create them with \`tegata-backend keys init --data ${config.dataDir}\``);
    }
    const created = await initKeys(
      { directory: keysDir, ed, random, nowS: nowSeconds(clock), dev: true },
      { bundleKeyDays: config.keys.bundleKeyDays, issuerDays: config.keys.issuerDays },
    );
    logger.warn({ directory: keysDir, rootKid: created.rootKid }, 'dev mode: created TEST-ONLY keys');
  }
  const keyring = loadKeyring(keysDir, ed);
  if (!config.dev) {
    const problems = testOnlyProblems(keyring);
    if (problems.length > 0) {
      throw new StartupError(`refusing TEST-ONLY keys outside dev mode (TEGATA_DEV=1):\n  ${problems.join('\n  ')}`);
    }
  }

  const db = await openDatabase(
    config.databaseUrl === undefined
      ? { sqliteFile: path.join(config.dataDir, SQLITE_FILE_NAME) }
      : { databaseUrl: config.databaseUrl, ...(config.databaseSchema === undefined ? {} : { schema: config.databaseSchema }) },
  );
  try {
    const applied = await migrateToLatest(db);
    if (applied.length > 0) logger.info({ applied, database: db.description }, 'migrated');

    const trust = new TrustService(
      { db, ed, clock, random, logger, metrics, config, loadKeyring: () => loadKeyring(keysDir, ed) },
      keyring,
    );
    try {
      await trust.tick();
    } catch (error) {
      logger.error({ err: error }, 'cannot sign a trust bundle; /readyz reports not ready until keys are fixed');
    }

    const verifier = createTokenVerifier({ ed25519: ed, certificateCache: new CertificateCache(50_000) });
    const counters: CounterStore = config.redisUrl === undefined ? databaseCounters(db) : await openRedisCounters(config.redisUrl, config.redisKeyPrefix);
    const notifications = new NotificationDispatcher({
      db,
      clock,
      logger,
      metrics,
      transport: options.notificationTransport ?? transportFor(config, clock),
      keepText: config.dev,
      maxAttempts: config.notifications.maxAttempts,
    });
    const cardGateway = options.cardGateway ?? (config.dev ? testCardGateway(random) : undefined);
    const simSwap = options.simSwapProvider ?? simSwapProviderFor(config, clock);
    if (simSwap === undefined && !config.dev) logger.warn('simSwap.provider is "none": SMS codes count without a SIM-swap check; configure the http provider');
    const ctx: AppContext = {
      db,
      clock,
      random,
      ed,
      logger,
      metrics,
      config,
      trust,
      verifier,
      counters,
      cardGateway,
      simSwap,
      notificationsQueued: () => notifications.wake(),
    };
    const routes: AnyRoute[] = [];
    let openApi: unknown;
    routes.push(
      ...systemRoutes({
        clock,
        metrics,
        readiness: [
          { name: 'database', check: async () => (await ping(db), null) },
          {
            name: 'trust_bundle',
            check: async () => {
              const current = await trust.current();
              if (current === undefined) return 'no trust bundle has been signed';
              return current.document.expiresAt < nowSeconds(clock) ? 'the trust bundle has expired' : null;
            },
          },
        ],
        openApiDocument: () => (openApi ??= buildOpenApiDocument(routes, BACKEND_VERSION)),
        version: BACKEND_VERSION,
      }),
      ...enrollRoutes(ctx),
      ...accountRoutes(ctx),
      ...deviceRoutes(ctx),
      ...walletRoutes(ctx),
      ...terminalRoutes(ctx),
      ...adminRoutes(ctx),
      ...devRoutes(ctx),
    );

    const app = buildServer({
      logger,
      metrics,
      adminToken: config.adminToken,
      bodyLimitBytes: config.bodyLimitBytes,
      routes,
      ed25519: ed,
      clock,
      findTerminal: (id) => db.kysely.selectFrom('terminals').selectAll().where('id', '=', id).executeTakeFirst(),
      authenticateCustomer: customerAuthenticator(ctx),
      trustProxy: config.trustProxy,
    });
    trust.start();
    notifications.start(config.notifications.pollIntervalMs);
    if (!config.dev && config.notifications.transport === 'outbox' && options.notificationTransport === undefined) {
      logger.warn('notifications.transport is "outbox": codes and security notices are stored but never delivered; configure the webhook transport');
    }
    const stopMaintenance = startMaintenance(ctx, config.trust.checkIntervalSeconds * 1000);
    if (config.adminToken === undefined) logger.warn('TEGATA_ADMIN_TOKEN is not set: the admin API refuses every request');

    return {
      config,
      app,
      db,
      trust,
      metrics,
      logger,
      context: ctx,
      notifications,
      async listen() {
        await app.listen({ host: config.host, port: config.port });
        const address = app.server.address();
        const port = typeof address === 'object' && address !== null ? address.port : config.port;
        const host = config.host.includes(':') ? `[${config.host}]` : config.host;
        return `http://${host}:${port}`;
      },
      async close() {
        stopMaintenance();
        await trust.stop();
        await app.close();
        await notifications.stop();
        await counters.close();
        await db.close();
      },
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}
