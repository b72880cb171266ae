import type { Ed25519, TokenVerifier } from '@tegata/protocol';
import type { Logger } from 'pino';
import type { Config } from './config/config.js';
import type { Db } from './db/database.js';
import type { SimSwapProvider } from './domain/accounts/simSwapProvider.js';
import type { CardGateway } from './domain/wallet/cardGateway.js';
import type { CounterStore } from './domain/counters.js';
import type { Metrics } from './http/metrics.js';
import type { Clock } from './runtime/clock.js';
import type { Random } from './runtime/random.js';
import type { TrustService } from './trust/trustService.js';

/** What domain code is handed: storage, time, randomness, crypto, logging, configuration. */
export interface AppContext {
  readonly db: Db;
  readonly clock: Clock;
  readonly random: Random;
  readonly ed: Ed25519;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly config: Config;
  readonly trust: TrustService;
  /** Stage B (PROTOCOL.md §4), with a certificate cache shared by every request. */
  readonly verifier: TokenVerifier;
  /** Throttle and rate-limit counters (database, or Redis when configured). */
  readonly counters: CounterStore;
  /** Card payments for top-ups; undefined: top-ups are refused (no gateway configured). */
  readonly cardGateway: CardGateway | undefined;
  /** The SIM-swap check (issue 17); undefined: none configured, every SMS code counts. */
  readonly simSwap: SimSwapProvider | undefined;
  /** Wakes the notification dispatcher after a commit that queued messages. */
  notificationsQueued(): void;
}
