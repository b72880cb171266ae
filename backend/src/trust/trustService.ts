/**
 * The trust bundle (PROTOCOL.md §5): rebuilt and re-signed whenever what it says changes (an
 * issuer rotated, a device revoked or dropped after until + 2·skew) and on a timer before it
 * expires. Serials strictly increase: each bundle is a row whose primary key is its serial,
 * so two nodes racing to sign cannot both publish the same one.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  sha256,
  toBase64url,
  toHex,
  utf8Encode,
  verifyTrustBundle,
  type Ed25519,
  type SignedTrustBundle,
  type TrustBundleDocument,
} from '@tegata/protocol';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { isUniqueViolation, type Db } from '../db/database.js';
import type { Metrics } from '../http/metrics.js';
import { delegateBundleKey, rotateIssuer } from '../keys/keyCommands.js';
import {
  ROOT_SECRET_FILE,
  activeBundleKey,
  activeIssuer,
  listedIssuers,
  type Keyring,
} from '../keys/keyFiles.js';
import { signBundleWith } from '../keys/signWith.js';
import { nowSeconds, type Clock } from '../runtime/clock.js';
import type { Random } from '../runtime/random.js';

const DAY = 86_400;

export interface StoredBundle {
  readonly serial: number;
  readonly document: TrustBundleDocument;
  readonly signed: SignedTrustBundle;
}

export interface TrustServiceDeps {
  db: Db;
  ed: Ed25519;
  clock: Clock;
  random: Random;
  logger: Logger;
  metrics: Metrics;
  config: Pick<Config, 'dev' | 'policy' | 'trust' | 'keys'>;
  /** Reads the keys directory again (a new delegation or issuer file appears there). */
  loadKeyring(): Keyring;
}

export class NoSigningKeyError extends Error {}

export class TrustService {
  readonly #deps: TrustServiceDeps;
  #keyring: Keyring;
  readonly #bySerial = new Map<number, StoredBundle>();
  #queue: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;

  constructor(deps: TrustServiceDeps, keyring: Keyring) {
    this.#deps = deps;
    this.#keyring = keyring;
  }

  get keyring(): Keyring {
    return this.#keyring;
  }

  get rootPublicKey(): Uint8Array {
    return this.#keyring.root.publicKey;
  }

  /** The newest bundle, or undefined before the first one is signed. */
  async current(): Promise<StoredBundle | undefined> {
    const row = await this.#deps.db.kysely
      .selectFrom('trust_bundles')
      .select(['serial', 'bundle'])
      .orderBy('serial', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row === undefined ? undefined : this.#remember(row.serial, row.bundle);
  }

  /** A bundle this backend signed (bundles are immutable, so they are cached by serial). */
  async bySerial(serial: number): Promise<StoredBundle | undefined> {
    const cached = this.#bySerial.get(serial);
    if (cached !== undefined) return cached;
    const row = await this.#deps.db.kysely
      .selectFrom('trust_bundles')
      .select(['serial', 'bundle'])
      .where('serial', '=', serial)
      .executeTakeFirst();
    return row === undefined ? undefined : this.#remember(row.serial, row.bundle);
  }

  /** Serialised per node; `force` signs a new serial even when nothing changed. */
  rebuild(reason: string, options: { force?: boolean } = {}): Promise<StoredBundle> {
    const run = this.#queue.then(() => this.#rebuild(reason, options.force ?? false));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Re-reads the keys, renews dev keys, warns about expiring delegations, rebuilds if due. */
  async tick(): Promise<void> {
    this.reloadKeys();
    await this.#renewDevKeys();
    for (const warning of this.warnings()) this.#deps.logger.warn({ warning }, 'key warning');
    await this.rebuild('timer');
  }

  reloadKeys(): void {
    this.#keyring = this.#deps.loadKeyring();
  }

  /** What an admin must act on: delegations and issuer windows about to end. */
  warnings(): string[] {
    const nowS = nowSeconds(this.#deps.clock);
    const ahead = this.#deps.config.keys.delegationWarningDays * DAY;
    const warnings: string[] = [];
    const bundleKey = activeBundleKey(this.#keyring, nowS);
    if (bundleKey === undefined) {
      warnings.push('no bundle key is delegated for now: run `tegata-backend keys delegate`');
    } else if (!this.#keyring.bundleKeys.some((key) => key.notAfter > bundleKey.notAfter) && bundleKey.notAfter - nowS <= ahead) {
      warnings.push(
        `the bundle key delegation ends in ${Math.max(0, Math.floor((bundleKey.notAfter - nowS) / 3600))} h: run \`tegata-backend keys delegate\``,
      );
    }
    const issuer = activeIssuer(this.#keyring, nowS);
    if (issuer === undefined) warnings.push('no issuer key can sign now: run `tegata-backend keys rotate`');
    else if (issuer.notAfter - nowS <= ahead) warnings.push('the issuer key window ends soon: run `tegata-backend keys rotate`');
    return warnings;
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      this.tick().catch((error: unknown) => this.#deps.logger.error({ err: error }, 'trust bundle timer failed'));
    }, this.#deps.config.trust.checkIntervalSeconds * 1000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#queue;
  }

  async #rebuild(reason: string, force: boolean): Promise<StoredBundle> {
    const { db, clock, config } = this.#deps;
    for (let attempt = 1; ; attempt++) {
      const nowS = nowSeconds(clock);
      const current = await this.current();
      const content = await this.#content(nowS);
      const contentHash = toHex(sha256(utf8Encode(JSON.stringify(contentForHash(content)))));
      const fresh = current !== undefined && current.document.expiresAt - nowS > config.trust.refreshBeforeSeconds;
      if (!force && current !== undefined && fresh && (await this.#contentHashOf(current.serial)) === contentHash) {
        return current;
      }
      const bundleKey = activeBundleKey(this.#keyring, nowS);
      if (bundleKey === undefined) throw new NoSigningKeyError('no bundle key is delegated for now');
      const serial = (current?.serial ?? 0) + 1;
      const document: TrustBundleDocument = {
        serial,
        issuedAt: nowS,
        expiresAt: nowS + config.trust.lifetimeSeconds,
        ...content,
      };
      const signed = await signBundleWith(bundleKey.signer, bundleKey.delegation, document);
      // Self-check: what terminals will verify, verified here first with the pinned root.
      const check = verifyTrustBundle(this.#deps.ed, JSON.parse(JSON.stringify(signed)), [this.#keyring.root.publicKey]);
      if (!check.ok) throw new Error(`the signed trust bundle does not verify: ${check.detail}`);
      try {
        await db.kysely
          .insertInto('trust_bundles')
          .values({
            serial,
            issued_at_s: document.issuedAt,
            expires_at_s: document.expiresAt,
            content_hash: contentHash,
            bundle: JSON.stringify(signed),
            created_at: clock.nowMs(),
          })
          .execute();
      } catch (error) {
        // Another node published this serial first: look again, its bundle may do.
        if (isUniqueViolation(error) && attempt < 5) continue;
        throw error;
      }
      this.#deps.metrics.trustSerial.set(serial);
      this.#deps.logger.info({ serial, reason, revoked: document.revokedDevices.length }, 'trust bundle signed');
      const stored = { serial, document: check.bundle.document, signed };
      this.#bySerial.set(serial, stored);
      return stored;
    }
  }

  async #content(nowS: number): Promise<Pick<TrustBundleDocument, 'issuers' | 'revokedDevices' | 'policy'>> {
    const { config, db } = this.#deps;
    const skew = config.policy.clockSkewSeconds;
    const issuers = listedIssuers(this.#keyring, nowS, config.keys.certificateLifetimeSeconds, skew).map((key) => ({
      kid: key.signer.kid,
      publicKey: key.signer.publicKey,
      notBefore: key.notBefore,
      notAfter: key.notAfter,
    }));
    const revoked = await db.kysely
      .selectFrom('devices')
      .select(['id', 'until_s'])
      .where('status', '=', 'revoked')
      .where('until_s', 'is not', null)
      .where('until_s', '>=', nowS - 2 * skew)
      .orderBy('id')
      .execute();
    return {
      issuers,
      revokedDevices: revoked.map((row) => ({ deviceId: row.id, until: row.until_s ?? 0 })),
      policy: { ...config.policy },
    };
  }

  async #contentHashOf(serial: number): Promise<string | undefined> {
    const row = await this.#deps.db.kysely
      .selectFrom('trust_bundles')
      .select('content_hash')
      .where('serial', '=', serial)
      .executeTakeFirst();
    return row?.content_hash;
  }

  #remember(serial: number, json: string): StoredBundle {
    const cached = this.#bySerial.get(serial);
    if (cached !== undefined) return cached;
    const signed = JSON.parse(json) as SignedTrustBundle;
    const result = verifyTrustBundle(this.#deps.ed, signed, [this.#keyring.root.publicKey]);
    if (!result.ok) throw new Error(`stored trust bundle ${serial} does not verify: ${result.detail}`);
    const stored = { serial, document: result.bundle.document, signed };
    this.#bySerial.set(serial, stored);
    return stored;
  }

  /** Dev mode keeps itself running: a new delegation and issuer before the old ones end. */
  async #renewDevKeys(): Promise<void> {
    const { config, clock, ed, random } = this.#deps;
    if (!config.dev) return;
    const nowS = nowSeconds(clock);
    const ahead = config.keys.delegationWarningDays * DAY;
    const context = { directory: this.#keyring.directory, ed, random, nowS, dev: true };
    const rootSecretFile = path.join(this.#keyring.directory, ROOT_SECRET_FILE);
    const latestBundleEnd = Math.max(0, ...this.#keyring.bundleKeys.map((key) => key.notAfter));
    if (latestBundleEnd - nowS <= ahead && existsSync(rootSecretFile)) {
      await delegateBundleKey(context, { rootSecretFile, days: config.keys.bundleKeyDays });
      this.#deps.logger.info('dev mode: delegated a new bundle key');
      this.reloadKeys();
    }
    const issuer = activeIssuer(this.#keyring, nowS);
    if (issuer === undefined || issuer.notAfter - nowS <= ahead) {
      rotateIssuer(context, { days: config.keys.issuerDays });
      this.#deps.logger.info('dev mode: rotated the issuer key');
      this.reloadKeys();
    }
  }
}

function contentForHash(content: Pick<TrustBundleDocument, 'issuers' | 'revokedDevices' | 'policy'>): unknown {
  return {
    issuers: content.issuers.map((issuer) => [issuer.kid, toBase64url(issuer.publicKey), issuer.notBefore, issuer.notAfter]),
    revoked: content.revokedDevices.map((entry) => [entry.deviceId, entry.until]),
    policy: content.policy,
  };
}
