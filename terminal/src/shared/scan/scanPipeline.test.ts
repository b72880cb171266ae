import { describe, expect, it } from 'vitest';
import { decodeTokenText, encodeTokenText, utf8Encode } from '@tegata/protocol';
import type { ScanEvent } from './scanEvent.js';
import { createScanPipeline, type PipelineResult, type ScanFraming } from './scanPipeline.js';

const TOKEN = encodeTokenText(Uint8Array.from({ length: 204 }, (_, i) => (i * 37 + 11) & 0xff));

function event(raw: string | Uint8Array, receivedAt = 1000, deviceId = 'scanner-1', symbology?: string): ScanEvent {
  const bytes = typeof raw === 'string' ? utf8Encode(raw) : raw;
  const base: ScanEvent = { source: 'serial', deviceId, receivedAt, raw: bytes };
  return symbology === undefined ? base : { ...base, symbology };
}

function textOf(result: PipelineResult): string {
  if (result.kind !== 'text') throw new Error(`expected text, got ${JSON.stringify(result)}`);
  return result.text;
}

function problemOf(result: PipelineResult) {
  if (result.kind !== 'problem') throw new Error(`expected a problem, got ${result.kind}`);
  return result.problem;
}

/** A fresh pipeline per read, so duplicate suppression does not interfere. */
function once(raw: string | Uint8Array, framing?: ScanFraming, symbology?: string): PipelineResult {
  return createScanPipeline({ framingFor: () => framing }).accept(event(raw, 1000, 'scanner-1', symbology));
}

describe('scan pipeline: terminators', () => {
  it('strips the default CR and passes the token text on unchanged', () => {
    const result = once(`${TOKEN}\r`);
    expect(result).toMatchObject({ kind: 'text', text: TOKEN, symbology: null });
    expect(decodeTokenText(textOf(result)).ok).toBe(true);
  });

  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
    ['LF CR', '\n\r'],
    ['several', '\r\n\r\n'],
    ['none', ''],
  ])('is lenient about the trailing CR/LF combination (%s)', (_name, ending) => {
    expect(textOf(once(`${TOKEN}${ending}`))).toBe(TOKEN);
  });

  it('strips a leading LF left over when a CRLF scanner is read on a CR setting', () => {
    expect(textOf(once(`\n${TOKEN}\r`))).toBe(TOKEN);
  });

  it('strips a Tab only when Tab is the terminator', () => {
    const tab: ScanFraming = { prefix: '', suffix: '', terminator: 'TAB' };
    expect(textOf(once(`${TOKEN}\t`, tab))).toBe(TOKEN);
    expect(textOf(once(`${TOKEN}\t\r\n`, tab))).toBe(TOKEN);
    const problem = problemOf(once(`${TOKEN}\t`));
    expect(problem.code).toBe('binary_noise');
    expect(problem.message).toContain('0x09 (Tab)');
    expect(problem.message).toContain('terminator');
  });

  it('uses each scanner’s own framing', () => {
    const framings = new Map<string, ScanFraming>([['tab-scanner', { prefix: '', suffix: '', terminator: 'TAB' }]]);
    const pipeline = createScanPipeline({ framingFor: (id) => framings.get(id) });
    expect(textOf(pipeline.accept(event(`A1\t`, 0, 'tab-scanner')))).toBe('A1');
    expect(pipeline.accept(event(`A2\t`, 0, 'cr-scanner')).kind).toBe('problem');
    expect(textOf(pipeline.accept(event(`A3\r`, 0, 'cr-scanner')))).toBe('A3');
  });
});

describe('scan pipeline: prefix, suffix and AIM identifiers', () => {
  const framed: ScanFraming = { prefix: '<<', suffix: '>>', terminator: 'CR' };

  it('strips the configured suffix and prefix on an exact match only', () => {
    expect(textOf(once(`<<${TOKEN}>>\r`, framed))).toBe(TOKEN);
    expect(textOf(once(`<${TOKEN}>\r`, framed))).toBe(`<${TOKEN}>`);
    expect(textOf(once(`<<${TOKEN}\r`, framed))).toBe(TOKEN);
    expect(textOf(once(`${TOKEN}>>\r`, framed))).toBe(TOKEN);
  });

  it('records and strips one leading AIM identifier', () => {
    expect(once(`]Q1${TOKEN}\r`)).toMatchObject({ kind: 'text', text: TOKEN, symbology: ']Q1' });
    expect(once(`]d2${TOKEN}\r`)).toMatchObject({ text: TOKEN, symbology: ']d2' });
    expect(once(`]Q1]d2${TOKEN}\r`)).toMatchObject({ text: `]d2${TOKEN}`, symbology: ']Q1' });
    expect(once(`]QQ${TOKEN}\r`)).toMatchObject({ text: `]QQ${TOKEN}`, symbology: null });
  });

  it('takes the AIM identifier after the prefix, or before it', () => {
    expect(once(`<<]Q1${TOKEN}>>\r`, framed)).toMatchObject({ text: TOKEN, symbology: ']Q1' });
    expect(once(`]Q1<<${TOKEN}>>\r`, framed)).toMatchObject({ text: TOKEN, symbology: ']Q1' });
  });

  it('prefers the symbology the device reported, and still strips the one in the text', () => {
    expect(once(`]Q1${TOKEN}\r`, undefined, ']Q5')).toMatchObject({ text: TOKEN, symbology: ']Q5' });
    expect(once(`${TOKEN}\r`, undefined, ']Q1')).toMatchObject({ text: TOKEN, symbology: ']Q1' });
  });

  it('hands everything else through unchanged: case, spaces, GS separators, non-ASCII', () => {
    const lower = TOKEN.toLowerCase();
    expect(textOf(once(`${lower}\r`))).toBe(lower);
    expect(textOf(once(` ${TOKEN} \r`))).toBe(` ${TOKEN} `);
    expect(textOf(once('(01)09501101530003\x1d(10)ABC\r'))).toBe('(01)09501101530003\x1d(10)ABC');
    expect(textOf(once('Grüße 円\r'))).toBe('Grüße 円');
  });
});

describe('scan pipeline: problems', () => {
  it('refuses an over-long read before decoding it', () => {
    // Invalid UTF-8 throughout: a line_too_long (not invalid_utf8) proves nothing was decoded.
    const flood = new Uint8Array(5000).fill(0xff);
    const problem = problemOf(once(flood));
    expect(problem).toMatchObject({ code: 'line_too_long', deviceId: 'scanner-1', at: 1000 });
    expect(problem.message).toContain('5 000 bytes');
    expect(problem.message).toContain('CR');
    expect(problem.sample).toBe('ff'.repeat(64));
  });

  it('passes exactly maxTextBytes of text and refuses one byte more', () => {
    const pipeline = createScanPipeline({ maxTextBytes: 10 });
    expect(textOf(pipeline.accept(event('A'.repeat(10) + '\r\n', 0)))).toBe('A'.repeat(10));
    expect(problemOf(pipeline.accept(event('B'.repeat(11) + '\r', 0))).code).toBe('line_too_long');
    // Framing does not count against the limit.
    expect(textOf(pipeline.accept(event(']Q1' + 'C'.repeat(10) + '\r\n', 0)))).toBe('C'.repeat(10));
    // Multi-byte characters count as bytes.
    expect(problemOf(pipeline.accept(event('é'.repeat(6) + '\r', 0))).code).toBe('line_too_long');
  });

  it('measures the default limit like the token decoder does (4 096 bytes)', () => {
    expect(textOf(once('A'.repeat(4096) + '\r'))).toHaveLength(4096);
    expect(problemOf(once('A'.repeat(4097) + '\r')).message).toContain('4 097 bytes');
  });

  it.each([
    ['a stray continuation byte', [0x41, 0x80, 0x0d]],
    ['Latin-1 text', [0x47, 0x72, 0xfc, 0xdf, 0x65, 0x0d]],
    ['an overlong slash', [0xc0, 0xaf, 0x0d]],
    ['a truncated sequence', [0x41, 0xe2, 0x82]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
  ])('reports invalid UTF-8 (%s)', (_name, bytes) => {
    const problem = problemOf(once(Uint8Array.from(bytes)));
    expect(problem.code).toBe('invalid_utf8');
    expect(problem.sample).toBe(Buffer.from(bytes).toString('hex'));
    expect(problem.message).toMatch(/baud rate/);
  });

  it.each([
    ['NUL', '\x00', '0x00 (NUL)'],
    ['BEL', '\x07', '0x07'],
    ['ESC', '\x1b', '0x1b (ESC)'],
    ['DEL', '\x7f', '0x7f (DEL)'],
    ['a CR in the middle', '\r', '0x0d (CR)'],
    ['STX', '\x02', 'STX/ETX'],
  ])('reports binary noise (%s) with where it was', (_name, control, mention) => {
    const raw = `]Q1TG1AB${control}CD\r`;
    const problem = problemOf(once(raw));
    expect(problem.code).toBe('binary_noise');
    expect(problem.message).toContain(mention);
    expect(problem.message).toContain('at byte 8');
    expect(problem.sample).toBe(Buffer.from(raw).toString('hex'));
  });

  it('samples at most 64 bytes of a long noisy read', () => {
    const raw = `${'A'.repeat(200)}\x00${'B'.repeat(200)}\r`;
    const problem = problemOf(once(raw));
    expect(problem.code).toBe('binary_noise');
    expect(problem.sample).toBe('41'.repeat(64));
    expect(problem.message).toContain('at byte 200');
  });

  it('accepts STX/ETX framing once they are configured as prefix and suffix', () => {
    expect(textOf(once(`\x02${TOKEN}\x03\r`, { prefix: '\x02', suffix: '\x03', terminator: 'CR' }))).toBe(TOKEN);
  });

  it.each([
    ['a bare terminator', '\r', { prefix: '', suffix: '', terminator: 'CR' }],
    ['a bare CRLF', '\r\n', { prefix: '', suffix: '', terminator: 'CR' }],
    ['nothing at all', '', { prefix: '', suffix: '', terminator: 'CR' }],
    ['only prefix and suffix', '<<>>\r', { prefix: '<<', suffix: '>>', terminator: 'CR' }],
    ['only an AIM identifier', ']Q1\r', { prefix: '', suffix: '', terminator: 'CR' }],
    ['only a Tab', '\t', { prefix: '', suffix: '', terminator: 'TAB' }],
  ] satisfies [string, string, ScanFraming][])('reports a partial frame (%s)', (_name, raw, framing) => {
    const problem = problemOf(once(raw, framing));
    expect(problem.code).toBe('partial_frame');
    expect(problem.message).toContain('no code');
  });

  it('writes messages for a technician, never the internal code', () => {
    const problems = [
      once(new Uint8Array(5000)),
      once(Uint8Array.from([0xff])),
      once('A\x00B\r'),
      once('\r'),
    ].map(problemOf);
    for (const problem of problems) {
      expect(problem.message).toMatch(/^The scanner sent /);
      expect(problem.message).not.toContain('_');
      expect(problem.sample?.length ?? 0).toBeLessThanOrEqual(128);
    }
  });

  it('rejects nonsensical options', () => {
    expect(() => createScanPipeline({ duplicateWindowMs: -1 })).toThrow(RangeError);
    expect(() => createScanPipeline({ maxTextBytes: 0 })).toThrow(RangeError);
  });
});

describe('scan pipeline: duplicates', () => {
  it('suppresses the same code within the window, from any device, by receivedAt', () => {
    const pipeline = createScanPipeline();
    expect(pipeline.accept(event(`${TOKEN}\r`, 10_000, 'camera')).kind).toBe('text');
    expect(pipeline.accept(event(`${TOKEN}\r`, 10_200, 'camera'))).toMatchObject({ kind: 'duplicate', text: TOKEN });
    expect(pipeline.accept(event(`]Q1${TOKEN}\r\n`, 10_400, 'serial-1')).kind).toBe('duplicate');
    expect(pipeline.accept(event(`OTHER\r`, 10_500, 'camera')).kind).toBe('text');
  });

  it('counts the window from the last accepted read, inclusive', () => {
    const pipeline = createScanPipeline({ duplicateWindowMs: 1500 });
    expect(pipeline.accept(event('X\r', 0)).kind).toBe('text');
    expect(pipeline.accept(event('X\r', 1500)).kind).toBe('duplicate');
    expect(pipeline.accept(event('X\r', 1501)).kind).toBe('text');
    expect(pipeline.accept(event('X\r', 3001)).kind).toBe('duplicate');
    expect(pipeline.accept(event('X\r', 3002)).kind).toBe('text');
  });

  it('lets a camera holding one code at 10 reads a second through once per window', () => {
    const pipeline = createScanPipeline();
    const kinds = Array.from({ length: 31 }, (_, i) => pipeline.accept(event(`${TOKEN}\r`, i * 100, 'camera')).kind);
    expect(kinds.filter((k) => k === 'text')).toHaveLength(2);
    expect(kinds[0]).toBe('text');
    expect(kinds[16]).toBe('text'); // 1600 ms: past the 1500 ms window of the read at 0
  });

  it('treats a slightly earlier receivedAt from another device as a duplicate too', () => {
    const pipeline = createScanPipeline();
    expect(pipeline.accept(event('X\r', 5000, 'a')).kind).toBe('text');
    expect(pipeline.accept(event('X\r', 4990, 'b')).kind).toBe('duplicate');
  });

  it('does not remember problems, and forgets old codes', () => {
    const pipeline = createScanPipeline({ duplicateWindowMs: 100 });
    expect(pipeline.accept(event('A\x00\r', 0)).kind).toBe('problem');
    expect(pipeline.accept(event('A\x00\r', 1)).kind).toBe('problem');
    for (let i = 0; i < 5000; i++) expect(pipeline.accept(event(`code-${i}\r`, i * 10)).kind).toBe('text');
    expect(pipeline.accept(event('code-4999\r', 50_000)).kind).toBe('duplicate');
    expect(pipeline.accept(event('code-0\r', 50_000)).kind).toBe('text');
  });

  it('with a zero window still drops a read at the very same millisecond', () => {
    const pipeline = createScanPipeline({ duplicateWindowMs: 0 });
    expect(pipeline.accept(event('X\r', 7)).kind).toBe('text');
    expect(pipeline.accept(event('X\r', 7)).kind).toBe('duplicate');
    expect(pipeline.accept(event('X\r', 8)).kind).toBe('text');
  });
});
