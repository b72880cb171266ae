/**
 * Backend configuration: its schema (every key, its bounds, the rules across keys) and its
 * defaults. loadConfig.ts merges the sources and validates them with this schema.
 */
import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';

const uint = (max = Number.MAX_SAFE_INTEGER) => z.number().int().min(0).max(max);
const positive = (max = Number.MAX_SAFE_INTEGER) => z.number().int().min(1).max(max);

const policySchema = z.strictObject({
  currency: uint(65_535),
  clockSkewSeconds: uint(3600),
  maxTokenTtlSeconds: positive(65_535),
  maxOfflineSeconds: uint(),
  maxStoredPayments: uint(),
  maxStoredAmount: uint(),
  maxClockAgeSeconds: uint(),
});

/** A growing delay: `free` failures, then base·2^k seconds (capped) before the next attempt. */
const throttleRule = z
  .strictObject({
    free: uint(1_000_000),
    baseDelaySeconds: positive(86_400),
    maxDelaySeconds: positive(7 * 86_400),
    /** A counter idle this long starts again from zero. */
    decaySeconds: positive(30 * 86_400),
  })
  // An attacker who waits out the longest delay must not find the counter forgotten.
  .refine((rule) => rule.decaySeconds >= 2 * rule.maxDelaySeconds, { message: 'decaySeconds must be at least twice maxDelaySeconds', path: ['decaySeconds'] });
export type ThrottleRule = z.infer<typeof throttleRule>;

/** An address or CIDR block (IPv4 or IPv6) of a proxy whose X-Forwarded-For is believed. */
const proxyAddress = z.string().refine(
  (value) => {
    const [address = '', prefix, ...rest] = value.split('/');
    const family = isIP(address);
    if (family === 0 || rest.length > 0) return false;
    if (prefix === undefined) return true;
    return /^[0-9]{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
  },
  { message: 'must be an IP address or CIDR block such as 10.0.0.0/8' },
);

/** A block of prefix length 0 believes every client, as `true` does. */
function trustsEveryone(trustProxy: boolean | readonly string[]): boolean {
  if (typeof trustProxy === 'boolean') return trustProxy;
  return trustProxy.some((entry) => /\/0+$/.test(entry));
}

export const NOTIFICATION_TRANSPORTS = ['outbox', 'console', 'file', 'webhook'] as const;
export const SIM_SWAP_PROVIDERS = ['none', 'fake', 'http'] as const;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const configSchema = z
  .strictObject({
    /** Dev mode (TEGATA_DEV=1): TEST-ONLY keys allowed, dev-only routes answer. */
    dev: z.boolean(),
    host: z.string().min(1),
    port: uint(65_535),
    /** SQLite database and (by default) the key files live here. */
    dataDir: z.string().min(1),
    keysDir: z.string().min(1).optional(),
    /** PostgreSQL when set; SQLite under dataDir otherwise. */
    databaseUrl: z
      .string()
      .regex(/^postgres(?:ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    /** A PostgreSQL schema to use (created when missing); tests give each run its own. */
    databaseSchema: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lowercase SQL identifier')
      .optional(),
    adminToken: z.string().min(1).optional(),
    logLevel: z.enum(LOG_LEVELS),
    bodyLimitBytes: positive(),
    policy: policySchema,
    trust: z.strictObject({
      /** expiresAt − issuedAt of each bundle. */
      lifetimeSeconds: positive(),
      /** A new bundle is signed when the current one has less than this left. */
      refreshBeforeSeconds: uint(),
      /** How often the timer looks at keys and the bundle. */
      checkIntervalSeconds: positive(86_400),
    }),
    keys: z.strictObject({
      bundleKeyDays: positive(3650),
      issuerDays: positive(3650),
      certificateLifetimeSeconds: positive(),
      delegationWarningDays: uint(3650),
    }),
    /**
     * Behind a load balancer: the proxies (addresses or CIDR blocks) whose X-Forwarded-For is
     * believed; the client is the right-most address no listed proxy added. `true` believes
     * anyone (a client then picks its own address): dev mode only.
     */
    trustProxy: z.union([z.literal(false), z.literal(true), z.array(proxyAddress).min(1).max(100)]),
    /** Throttle and rate-limit counters in Redis instead of the database. */
    redisUrl: z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
      .optional(),
    /** Prefix of every Redis key (several deployments, or test runs, may share one Redis). */
    redisKeyPrefix: z.string().min(1).max(64),
    /** Default offline limits of new certificates (never above the wallet balance). */
    certificates: z.strictObject({
      perPaymentLimit: uint(0xffffffff),
      cumulativeLimit: uint(0xffffffff),
      /** Accounts younger than accounts.newAccountDays get these instead (lower). */
      newAccountPerPaymentLimit: uint(0xffffffff),
      newAccountCumulativeLimit: uint(0xffffffff),
    }),
    accounts: z.strictObject({
      /** scrypt cost N = 2^scryptLogN; r and p as in RFC 7914. Stored with each hash. */
      scryptLogN: z.number().int().min(1).max(22),
      scryptR: positive(64),
      scryptP: positive(16),
      /** At least 64 (NIST SP 800-63B); the minimum is 8. */
      passwordMaxLength: z.number().int().min(64).max(1024),
      /** One-time codes: at most 10 minutes, at most 5 wrong tries. */
      codeTtlSeconds: positive(600),
      codeMaxAttempts: positive(5),
      /** Sessions: at most 24 h in all and 1 h idle. */
      sessionTtlSeconds: positive(86_400),
      sessionIdleSeconds: positive(3600),
      /** Binding a device needs a session whose SMS code was verified this recently. */
      bindWithinSeconds: positive(600),
      /** After a password reset, new devices get zero offline limits for this long. */
      resetCooldownSeconds: uint(),
      /**
       * A phone that replaces the bound one without it (SMS session + e-mail code) waits this
       * long, without offline limits or online payments, before it replaces the old one.
       */
      bindHoldSeconds: uint(),
      /** Binds per account in any 24 hours. */
      bindsPerDay: positive(100),
      newAccountDays: uint(3650),
    }),
    throttle: z.strictObject({
      /** Login failures per login name (whether or not it names an account). */
      account: throttleRule,
      ip: throttleRule,
      /** Per /24 (IPv4) or /64 (IPv6). */
      network: throttleRule,
      /** Wrong one-time codes per account, across codes (a new code does not reset it). */
      codes: throttleRule,
      /** Login failures everywhere in one window above which admins are told and sources get no free failures. */
      globalFailureThreshold: positive(),
      globalWindowSeconds: positive(86_400),
      /** Password failures on one login name (from any address, until it decays or logs in): flagged. */
      loginNameFailureThreshold: positive(),
      /** Distinct login names failing from one network, with no quiet window between failures: flagged. */
      burstAccounts: positive(),
      burstWindowSeconds: positive(86_400),
      signupsPerIpPerHour: positive(),
      resetsPerLoginPerHour: positive(),
    }),
    /** Sends per destination and per number prefix (SMS pumping). */
    messaging: z.strictObject({
      smsPerDestinationPerHour: positive(),
      smsPerDestinationPerDay: positive(),
      smsPerPrefixPerHour: positive(),
      /** Digits after the + that make a prefix (country code and operator block). */
      smsPrefixDigits: z.number().int().min(1).max(12),
      emailPerDestinationPerHour: positive(),
    }),
    notifications: z.strictObject({
      transport: z.enum(NOTIFICATION_TRANSPORTS),
      webhookUrl: z.url().optional(),
      webhookSecret: z.string().min(16).optional(),
      file: z.string().min(1).optional(),
      pollIntervalMs: positive(600_000),
      maxAttempts: positive(100),
    }),
    topups: z.strictObject({
      minAmount: positive(0xffffffff),
      maxAmount: positive(0xffffffff),
      maxAmountPerHour: positive(),
      maxAmountPerDay: positive(),
      maxCountPerHour: positive(),
    }),
    enrollment: z.strictObject({
      codeTtlSeconds: positive(),
      maxFailuresPerIp: positive(),
      failureWindowSeconds: positive(),
    }),
    journal: z.strictObject({
      maxBatch: positive(500),
      /** Declines of these reasons at one store within the window raise a flag. */
      suspiciousDeclineThreshold: positive(),
      suspiciousDeclineWindowSeconds: positive(),
    }),
    authorize: z.strictObject({
      reservationTtlSeconds: positive(),
    }),
    /**
     * The SIM-swap check (issue 17 point 5), shaped after the CAMARA SIM Swap API: `none`
     * (dev mode uses the fake then), `fake` (dev and tests flip it), or `http` (an operator
     * gateway at `url`, `POST {url}/check` and `{url}/retrieve-date`, with the OAuth bearer `token`).
     */
    simSwap: z.strictObject({
      provider: z.enum(SIM_SWAP_PROVIDERS),
      url: z.url().optional(),
      token: z.string().min(1).optional(),
      /** A SIM change this recent makes an SMS code count as no factor. */
      windowHours: positive(2400),
      /** No answer in this time: closed for binding, reset and password change; open for login. */
      timeoutMs: positive(60_000),
    }),
  })
  .superRefine((config, context) => {
    if (config.simSwap.provider === 'http' && (config.simSwap.url === undefined || config.simSwap.token === undefined)) {
      context.addIssue({ code: 'custom', path: ['simSwap', 'url'], message: 'the http SIM-swap provider needs url and token' });
    }
    if (config.notifications.transport === 'webhook' && config.notifications.webhookUrl === undefined) {
      context.addIssue({ code: 'custom', path: ['notifications', 'webhookUrl'], message: 'is required with the webhook transport' });
    }
    if (config.notifications.transport === 'file' && config.notifications.file === undefined) {
      context.addIssue({ code: 'custom', path: ['notifications', 'file'], message: 'is required with the file transport' });
    }
    if (!config.dev && trustsEveryone(config.trustProxy)) {
      context.addIssue({
        code: 'custom',
        path: ['trustProxy'],
        message:
          'believes X-Forwarded-For from every client, so any client picks its own address and escapes throttling; outside dev mode list your proxies instead, e.g. TEGATA_TRUST_PROXY=10.0.0.0/8,192.168.1.5',
      });
    }
    if (!config.dev && config.adminToken !== undefined && config.adminToken.length < 32) {
      context.addIssue({
        code: 'custom',
        path: ['adminToken'],
        message: 'must be at least 32 characters outside dev mode',
      });
    }
  });

export type Config = z.infer<typeof configSchema>;
export type Policy = Config['policy'];

const DAY = 86_400;

export const DEFAULT_CONFIG: Config = {
  dev: false,
  host: '127.0.0.1',
  port: 8080,
  dataDir: './data',
  logLevel: 'info',
  bodyLimitBytes: 2 * 1024 * 1024,
  policy: {
    currency: 392,
    clockSkewSeconds: 30,
    maxTokenTtlSeconds: 60,
    maxOfflineSeconds: 3 * DAY,
    maxStoredPayments: 500,
    maxStoredAmount: 500_000,
    maxClockAgeSeconds: DAY,
  },
  trust: { lifetimeSeconds: 3 * DAY, refreshBeforeSeconds: 2 * DAY, checkIntervalSeconds: 60 },
  keys: { bundleKeyDays: 30, issuerDays: 90, certificateLifetimeSeconds: 3 * DAY, delegationWarningDays: 7 },
  trustProxy: false,
  redisKeyPrefix: 'tegata:',
  certificates: { perPaymentLimit: 30_000, cumulativeLimit: 50_000, newAccountPerPaymentLimit: 10_000, newAccountCumulativeLimit: 20_000 },
  accounts: {
    scryptLogN: 15,
    scryptR: 8,
    scryptP: 1,
    passwordMaxLength: 128,
    codeTtlSeconds: 600,
    codeMaxAttempts: 5,
    sessionTtlSeconds: DAY,
    sessionIdleSeconds: 3600,
    bindWithinSeconds: 600,
    resetCooldownSeconds: 2 * DAY,
    bindHoldSeconds: 2 * DAY,
    bindsPerDay: 3,
    newAccountDays: 30,
  },
  throttle: {
    account: { free: 5, baseDelaySeconds: 2, maxDelaySeconds: 900, decaySeconds: DAY },
    ip: { free: 10, baseDelaySeconds: 1, maxDelaySeconds: 3600, decaySeconds: DAY },
    network: { free: 50, baseDelaySeconds: 1, maxDelaySeconds: 3600, decaySeconds: DAY },
    codes: { free: 10, baseDelaySeconds: 10, maxDelaySeconds: 3600, decaySeconds: DAY },
    globalFailureThreshold: 1000,
    globalWindowSeconds: 600,
    loginNameFailureThreshold: 20,
    burstAccounts: 20,
    burstWindowSeconds: DAY,
    signupsPerIpPerHour: 20,
    resetsPerLoginPerHour: 3,
  },
  messaging: {
    smsPerDestinationPerHour: 5,
    smsPerDestinationPerDay: 10,
    smsPerPrefixPerHour: 200,
    smsPrefixDigits: 5,
    emailPerDestinationPerHour: 10,
  },
  notifications: { transport: 'outbox', pollIntervalMs: 1000, maxAttempts: 10 },
  topups: { minAmount: 100, maxAmount: 50_000, maxAmountPerHour: 50_000, maxAmountPerDay: 100_000, maxCountPerHour: 5 },
  enrollment: { codeTtlSeconds: 2 * 3600, maxFailuresPerIp: 10, failureWindowSeconds: 600 },
  journal: { maxBatch: 500, suspiciousDeclineThreshold: 20, suspiciousDeclineWindowSeconds: 3600 },
  authorize: { reservationTtlSeconds: 600 },
  simSwap: { provider: 'none', windowHours: 72, timeoutMs: 1500 },
};

/** Where the key files live: `keysDir`, or `<dataDir>/keys`. */
export function keysDirectory(config: Config): string {
  return config.keysDir ?? path.join(config.dataDir, 'keys');
}
