import { decodeTokenText, toHex } from '@tegata/protocol';
import type { RecordView, ScannerTestResult } from '../../shared/contracts/terminalApi.js';
import { outcomeText } from '../../shared/outcomeText.js';
import type { ScanEvent } from '../../shared/scan/scanEvent.js';
import type { PipelineResult } from '../../shared/scan/scanPipeline.js';
import type { StoredRecord } from '../store/terminalStore.js';

/** `TG1ABCD…WXYZ`: enough to tell codes apart, useless to replay. */
export function shortToken(token: string | null): string | null {
  return token === null ? null : `${token.slice(0, 7)}…${token.slice(-4)}`;
}

/** A printable preview of any scan for the screen and logs: tokens shortened, controls escaped. */
export function scanPreview(text: string): string {
  if (/^(?:\][A-Za-z][0-9])?TG\d/i.test(text.trim()) && text.length > 16) return shortToken(text.trim())!;
  const visible = text.slice(0, 48).replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return text.length > 48 ? `${visible}…` : visible;
}

export function toRecordView(record: StoredRecord): RecordView {
  return {
    id: record.id,
    seq: record.seq,
    kind: record.kind,
    createdAt: record.createdAt,
    amount: record.amount,
    currency: record.currency,
    decision: record.decision,
    reason: record.reason,
    ref: record.ref,
    tokenShort: shortToken(record.token),
    deviceShort: record.deviceId === null ? null : record.deviceId.slice(0, 8),
    mode: record.mode,
    outcome: record.outcome,
    outcomeText: record.outcome === null ? null : outcomeText(record.outcome),
    synced: record.acked,
  };
}

/** A technician's test read: exact bytes (a token's middle elided) and the pipeline's verdict. */
export function scannerTestResult(event: ScanEvent, result: PipelineResult): ScannerTestResult {
  const hex = toHex(event.raw);
  const paymentCode = result.kind === 'text' && decodeTokenText(result.text).ok;
  return {
    scannerId: event.deviceId,
    receivedAt: event.receivedAt,
    byteCount: event.raw.length,
    rawHex: paymentCode ? `${hex.slice(0, 32)}…${hex.slice(-32)}` : hex,
    result:
      result.kind === 'text'
        ? { kind: 'text', preview: scanPreview(result.text), symbology: result.symbology, paymentCode }
        : result.kind === 'duplicate'
          ? { kind: 'duplicate' }
          : { kind: 'problem', problem: result.problem },
  };
}
