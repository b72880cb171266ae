/** Claiming the first use of every (device, counter) a batch's payments spend. */
import type { Terminal } from '../db/schema.js';
import { chunks, type Tx } from './ledger.js';
import type { PreparedRecord } from './settlementRecords.js';
import type { ReservationCache } from './settlementReferences.js';

export interface Claim {
  deviceId: string;
  counter: number;
  token: string;
  terminalId: string;
  recordId: string | null;
  reservationId: string | null;
}

export interface UseKeyParts {
  deviceId: string;
  counter: number;
}

export const useKey = (deviceId: string, counter: number): string => `${deviceId}/${counter}`;

export interface TokenUseClaims {
  /** key → id of the first record of the batch that uses it */
  readonly firstInBatch: Map<string, string>;
  readonly claims: Claim[];
  /** record id → key parts */
  readonly keyOf: Map<string, UseKeyParts>;
  /** keys this batch claimed */
  readonly claimed: Set<string>;
  /** uses stored before this batch, for keys it could not claim */
  readonly earlier: Map<string, Claim>;
}

/**
 * Claims in one statement. A concurrent transaction claiming the same key makes PostgreSQL wait
 * for it, then skip the row. Reservations of the earlier uses are loaded into `reservations`.
 */
export async function claimTokenUses(
  trx: Tx,
  terminal: Terminal,
  prepared: readonly PreparedRecord[],
  reservations: ReservationCache,
  now: number,
): Promise<TokenUseClaims> {
  const firstInBatch = new Map<string, string>();
  const claims: Claim[] = [];
  const keyOf = new Map<string, UseKeyParts>();
  for (const p of prepared) {
    if (p.record.kind !== 'payment' || p.record.decision !== 'approved' || p.record.token === null) continue;
    const reservation = reservations.usable(p);
    const parts =
      reservation !== undefined && reservation.device_id !== null && reservation.counter !== null
        ? { deviceId: reservation.device_id, counter: reservation.counter }
        : p.verification?.ok === true
          ? { deviceId: p.verification.fields.deviceId, counter: p.verification.fields.counter }
          : undefined;
    if (parts === undefined) continue;
    keyOf.set(p.record.id, parts);
    const k = useKey(parts.deviceId, parts.counter);
    if (firstInBatch.has(k)) continue;
    firstInBatch.set(k, p.record.id);
    claims.push({ ...parts, token: p.record.token, terminalId: terminal.id, recordId: p.record.id, reservationId: null });
  }
  const claimed = new Set<string>();
  for (const chunk of chunks(claims, 500)) {
    const rows = await trx
      .insertInto('token_uses')
      .values(
        chunk.map((c) => ({
          device_id: c.deviceId,
          counter: c.counter,
          token: c.token,
          terminal_id: c.terminalId,
          record_id: c.recordId,
          reservation_id: null,
          created_at: now,
        })),
      )
      .onConflict((conflict) => conflict.columns(['device_id', 'counter']).doNothing())
      .returning(['device_id', 'counter'])
      .execute();
    for (const row of rows) claimed.add(useKey(row.device_id, row.counter));
  }
  const earlier = new Map<string, Claim>();
  const conflicting = claims.filter((c) => !claimed.has(useKey(c.deviceId, c.counter)));
  if (conflicting.length > 0) {
    const deviceIds = [...new Set(conflicting.map((c) => c.deviceId))];
    const counters = [...new Set(conflicting.map((c) => c.counter))];
    for (const chunk of chunks(counters, 500)) {
      const rows = await trx
        .selectFrom('token_uses')
        .selectAll()
        .where('device_id', 'in', deviceIds)
        .where('counter', 'in', chunk)
        .execute();
      for (const row of rows) {
        earlier.set(useKey(row.device_id, row.counter), {
          deviceId: row.device_id,
          counter: row.counter,
          token: row.token,
          terminalId: row.terminal_id,
          recordId: row.record_id,
          reservationId: row.reservation_id,
        });
      }
    }
    await reservations.load([...earlier.values()].flatMap((c) => (c.reservationId === null ? [] : [c.reservationId])));
  }
  return { firstInBatch, claims, keyOf, claimed, earlier };
}
