/** Admin API (Bearer admin token), PROTOCOL.md §8; the `tegata-backend` CLI calls these. */
import { toBase64url } from '@tegata/protocol';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { creditAccount } from '../domain/accounts.js';
import { revokeDevice } from '../domain/devices.js';
import { createEnrollmentCode, createStore, listStores } from '../domain/enrollment.js';
import { listFlags, resolveFlag } from '../domain/flags.js';
import { ProblemError } from '../http/problemError.js';
import { listTerminals, revokeTerminal } from '../domain/terminals.js';
import { listQuarantine, releaseQuarantine } from '../domain/quarantine.js';
import { defineRoute, json, type AnyRoute } from '../http/route.js';
import { rootFingerprint } from '@tegata/protocol';
import { rotateIssuer } from '../keys/keyCommands.js';
import { nowSeconds } from '../runtime/clock.js';

const id = z.string().min(1).max(128);
const store = z.object({ id: z.string(), name: z.string(), createdAt: z.number().int() });
const terminal = z.object({
  id: z.string(),
  storeId: z.string(),
  name: z.string(),
  status: z.enum(['active', 'revoked']),
  keyId: z.string().describe('kid of the terminal key'),
  enrolledAt: z.number().int(),
  revokedAt: z.number().int().nullable(),
  head: z.object({ seq: z.number().int(), hash: z.string() }),
  lastJournalAt: z.number().int().nullable(),
});
const flag = z.object({
  id: z.string(),
  kind: z.string(),
  terminalId: z.string().nullable(),
  storeId: z.string().nullable(),
  deviceId: z.string().nullable(),
  recordId: z.string().nullable(),
  amount: z.number().int().nullable(),
  currency: z.number().int().nullable(),
  detail: z.unknown(),
  createdAt: z.number().int(),
  resolvedAt: z.number().int().nullable(),
  subject: z.string().nullable(),
  occurrences: z.number().int(),
  lastSeenAt: z.number().int(),
});
const quarantined = z.object({
  id: z.string(),
  terminalId: z.string(),
  storeId: z.string(),
  seq: z.number().int(),
  kind: z.string(),
  amount: z.number().int(),
  currency: z.number().int(),
  decision: z.string(),
  reason: z.string().nullable(),
  createdAt: z.number().int(),
  receivedAt: z.number().int(),
  token: z.string().nullable().describe('shortened (TG1ABCD…WXYZ), never the whole token'),
  beforeRevocation: z.boolean().describe("made at or before the terminal's revocation (createdAt ≤ revokedAt): what a release settles"),
});
const windowed = z.object({ kid: z.string(), notBefore: z.number().int(), notAfter: z.number().int(), testOnly: z.boolean() });

export function adminRoutes(ctx: AppContext): AnyRoute[] {
  const tags = ['admin'];
  const routes: AnyRoute[] = [
    defineRoute({
      method: 'POST',
      url: '/v1/admin/stores',
      operationId: 'createStore',
      summary: 'Create a store',
      tags,
      auth: 'admin',
      body: z.object({ name: z.string().trim().min(1).max(200) }),
      responses: { 201: { description: 'Created', schema: store } },
      handler: async ({ body }) => json(201, await createStore(ctx, body.name)),
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/admin/stores',
      operationId: 'listStores',
      summary: 'List stores',
      tags,
      auth: 'admin',
      responses: { 200: { description: 'Stores', schema: z.object({ stores: z.array(store) }) } },
      handler: async () => json(200, { stores: await listStores(ctx) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/admin/stores/:id/enrollment-codes',
      operationId: 'createEnrollmentCode',
      summary: 'A single-use enrollment code (80 bits, 2 h) with the root key fingerprint to compare',
      tags,
      auth: 'admin',
      params: z.object({ id }),
      responses: {
        201: {
          description: 'The code (shown once; only its hash is stored)',
          schema: z.object({
            code: z.string(),
            storeId: z.string(),
            expiresAt: z.number().int(),
            rootFingerprint: z.string().describe('SHA-256 of the root public key, hex in groups of four'),
          }),
        },
      },
      problems: ['store_not_found'],
      handler: async ({ params }) => {
        const created = await createEnrollmentCode(ctx, params.id);
        return json(201, { ...created, rootFingerprint: rootFingerprint(ctx.trust.rootPublicKey) });
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/admin/terminals',
      operationId: 'listTerminals',
      summary: 'List terminals',
      tags,
      auth: 'admin',
      query: z.object({ store: z.string().optional() }),
      responses: { 200: { description: 'Terminals', schema: z.object({ terminals: z.array(terminal) }) } },
      handler: async ({ query }) => json(200, { terminals: await listTerminals(ctx, query.store) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/admin/terminals/:id/revoke',
      operationId: 'revokeTerminal',
      summary: 'Revoke a terminal (its later uploads are quarantined)',
      tags,
      auth: 'admin',
      params: z.object({ id }),
      responses: { 200: { description: 'The terminal', schema: terminal } },
      problems: ['terminal_not_found'],
      handler: async ({ params }) => json(200, await revokeTerminal(ctx, params.id)),
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/admin/quarantine',
      operationId: 'listQuarantine',
      summary: "Quarantined records of revoked terminals, by terminal and seq, told apart by whether they were made before the revocation",
      tags,
      auth: 'admin',
      query: z.object({ terminalId: id.optional(), limit: z.coerce.number().int().min(1).max(1000).default(1000) }),
      responses: { 200: { description: 'Quarantined records', schema: z.object({ records: z.array(quarantined) }) } },
      problems: ['terminal_not_found'],
      handler: async ({ query }) =>
        json(200, {
          records: await listQuarantine(ctx, { limit: query.limit, ...(query.terminalId === undefined ? {} : { terminalId: query.terminalId }) }),
        }),
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/admin/quarantine/release',
      operationId: 'releaseQuarantine',
      summary: "Settle a terminal's quarantined records made before its revocation (idempotent); later ones stay held",
      tags,
      auth: 'admin',
      body: z.object({ terminalId: id }),
      responses: {
        200: {
          description: 'What was released now and what is still held',
          schema: z.object({
            terminalId: z.string(),
            released: z.number().int(),
            held: z.number().int(),
            outcomes: z.array(z.object({ recordId: z.string(), outcome: z.string() })),
          }),
        },
      },
      problems: ['terminal_not_found'],
      handler: async ({ body }) => json(200, await releaseQuarantine(ctx, body.terminalId)),
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/admin/flags',
      operationId: 'listFlags',
      summary: 'Flags for review, newest first',
      tags,
      auth: 'admin',
      query: z.object({
        kind: z.string().optional(),
        unresolved: z.enum(['true', 'false']).optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
      }),
      responses: { 200: { description: 'Flags', schema: z.object({ flags: z.array(flag) }) } },
      handler: async ({ query }) =>
        json(200, {
          flags: await listFlags(ctx, {
            limit: query.limit,
            unresolved: query.unresolved === 'true',
            ...(query.kind === undefined ? {} : { kind: query.kind }),
          }),
        }),
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/admin/flags/:id/resolve',
      operationId: 'resolveFlag',
      summary: 'Mark a flag reviewed',
      tags,
      auth: 'admin',
      params: z.object({ id }),
      responses: { 200: { description: 'The flag', schema: flag } },
      problems: ['flag_not_found'],
      handler: async ({ params }) => {
        const resolved = await resolveFlag(ctx, params.id);
        if (resolved === undefined) throw ProblemError.of(404, 'flag_not_found', 'No such flag');
        return json(200, resolved);
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/admin/devices/:id/revoke',
      operationId: 'revokeDevice',
      summary: 'Revoke a customer device (listed in the trust bundle signed at once)',
      tags,
      auth: 'admin',
      params: z.object({ id }),
      responses: { 200: { description: 'Revoked', schema: z.object({ deviceId: z.string(), status: z.string() }) } },
      problems: ['device_not_found'],
      handler: async ({ params }) => json(200, await revokeDevice(ctx, params.id, 'admin')),
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/admin/keys/rotate',
      operationId: 'rotateIssuerKey',
      summary: 'Start a new issuer key; the old one stays listed until its certificates expire',
      tags,
      auth: 'admin',
      responses: { 200: { description: 'Rotated', schema: z.object({ kid: z.string(), serial: z.number().int() }) } },
      handler: async () => {
        const rotated = rotateIssuer(
          { directory: ctx.trust.keyring.directory, ed: ctx.ed, random: ctx.random, nowS: nowSeconds(ctx.clock), dev: ctx.config.dev },
          { days: ctx.config.keys.issuerDays },
        );
        ctx.trust.reloadKeys();
        const bundle = await ctx.trust.rebuild('issuer rotated');
        ctx.logger.info({ kid: rotated.kid, serial: bundle.serial }, 'issuer key rotated');
        return json(200, { kid: rotated.kid, serial: bundle.serial });
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/admin/keys',
      operationId: 'keyStatus',
      summary: 'Keys, their windows, the current bundle and warnings (delegation ending within 7 days …)',
      tags,
      auth: 'admin',
      responses: {
        200: {
          description: 'Key status',
          schema: z.object({
            root: z.object({ kid: z.string(), publicKey: z.string(), fingerprint: z.string(), testOnly: z.boolean() }),
            bundleKeys: z.array(windowed),
            issuers: z.array(windowed),
            trustSerial: z.number().int().nullable(),
            trustExpiresAt: z.number().int().nullable(),
            warnings: z.array(z.string()),
          }),
        },
      },
      handler: async () => {
        const keyring = ctx.trust.keyring;
        const current = await ctx.trust.current();
        const view = (key: { signer: { kid: string }; notBefore: number; notAfter: number; testOnly: boolean }) => ({
          kid: key.signer.kid,
          notBefore: key.notBefore,
          notAfter: key.notAfter,
          testOnly: key.testOnly,
        });
        return json(200, {
          root: {
            kid: keyring.root.kid,
            publicKey: toBase64url(keyring.root.publicKey),
            fingerprint: rootFingerprint(keyring.root.publicKey),
            testOnly: keyring.root.testOnly,
          },
          bundleKeys: keyring.bundleKeys.map(view),
          issuers: keyring.issuers.map(view),
          trustSerial: current?.serial ?? null,
          trustExpiresAt: current?.document.expiresAt ?? null,
          warnings: ctx.trust.warnings(),
        });
      },
    }),
  ];
  if (ctx.config.dev) {
    routes.push(
      defineRoute({
        method: 'POST',
        url: '/v1/admin/accounts/:id/credit',
        operationId: 'creditAccount',
        summary: 'Dev mode only: credit a wallet (production money enters only through top-ups)',
        tags: ['admin', 'dev'],
        auth: 'admin',
        params: z.object({ id }),
        body: z.object({ amount: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }),
        responses: {
          200: {
            description: 'The wallet after the credit',
            schema: z.object({ walletId: z.string(), accountId: z.string(), balance: z.number().int(), currency: z.number().int() }),
          },
        },
        problems: ['account_not_found'],
        handler: async ({ params, body }) => {
          const wallet = await creditAccount(ctx, params.id, body.amount);
          return json(200, { walletId: wallet.id, accountId: wallet.accountId, balance: wallet.balance, currency: wallet.currency });
        },
      }),
    );
  }
  return routes;
}
