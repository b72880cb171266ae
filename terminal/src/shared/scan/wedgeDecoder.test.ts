import { describe, expect, it } from 'vitest';
import { decodeTokenText, encodeTokenText, utf8Decode } from '@tegata/protocol';
import { seededRandom, type SeededRandom } from '@tegata/hardware-mocks';
import { createScanPipeline } from './scanPipeline.js';
import {
  createWedgeDecoder,
  diagnoseLayout,
  fromHostLayout,
  LAYOUT_TEST_CODE,
  toHostLayout,
  type HostLayout,
  type WedgeDecoder,
  type WedgeDecoderOptions,
  type WedgeOutput,
} from './wedgeDecoder.js';

// Every timing in these tests comes from a seeded PRNG, so it is reproducible.
const between = (random: SeededRandom, min: number, max: number) => () => min + random.float() * (max - min);

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function randomToken(random: SeededRandom): string {
  return encodeTokenText(random.bytes(204));
}

interface Keystroke {
  key: string;
  at: number;
  repeat?: boolean;
}

/** Keystrokes for `text` starting at `start`, then `end` keys (e.g. Enter), with `gap()` between. */
function typed(text: string, start: number, gap: () => number, end: string[] = ['Enter']): Keystroke[] {
  const keys = [...text, ...end];
  const out: Keystroke[] = [];
  let at = start;
  keys.forEach((key, i) => {
    if (i > 0) at += gap();
    out.push({ key, at });
  });
  return out;
}

/** Like a scanner: Shift down before each capital, a few ms ahead of the letter. */
function withShifts(strokes: Keystroke[]): Keystroke[] {
  return strokes.flatMap((s) => (/^[A-Z]$/.test(s.key) ? [{ key: 'Shift', at: s.at - 2 }, s] : [s]));
}

/**
 * Runs keystrokes through a decoder the way the renderer does: keys as they come, and `flush`
 * on a 16 ms timer in between and for a while after the last key.
 */
function run(decoder: WedgeDecoder, strokes: Keystroke[], tickMs = 16): WedgeOutput[] {
  const sorted = [...strokes].sort((a, b) => a.at - b.at);
  const out: WedgeOutput[] = [];
  const last = sorted.at(-1)?.at ?? 0;
  let tick = Math.floor((sorted[0]?.at ?? 0) / tickMs) * tickMs;
  for (const stroke of sorted) {
    for (; tick < stroke.at; tick += tickMs) out.push(...decoder.flush(tick));
    out.push(...decoder.key(stroke));
  }
  for (; tick <= last + 500; tick += tickMs) out.push(...decoder.flush(tick));
  return out;
}

const scans = (outputs: WedgeOutput[]) =>
  outputs.flatMap((o) => (o.kind === 'scan' ? [utf8Decode(o.event.raw) ?? '<invalid>'] : []));
const keys = (outputs: WedgeOutput[]) => outputs.flatMap((o) => (o.kind === 'keys' ? o.keys : []));

function decoder(options: Partial<WedgeDecoderOptions> = {}): WedgeDecoder {
  return createWedgeDecoder({ deviceId: 'wedge-1', ...options });
}

describe('wedge decoder: scanner or human', () => {
  it('takes scanner bursts at 5–15 ms gaps as scans, whole and untouched', () => {
    const random = seededRandom(1);
    for (let n = 0; n < 40; n++) {
      const token = randomToken(random);
      const out = run(decoder(), withShifts(typed(token, 1000, between(random, 5, 15))));
      expect(scans(out)).toEqual([token]);
      expect(keys(out)).toEqual([]);
      expect(decodeTokenText(scans(out)[0] ?? '').ok).toBe(true);
    }
  });

  it('builds a wedge ScanEvent timed at the terminator', () => {
    const out = decoder().key({ key: 'A', at: 0 });
    expect(out).toEqual([]);
    const d = decoder();
    const strokes = typed('ABCDEF', 100, () => 10);
    const outputs = strokes.flatMap((s) => d.key(s));
    expect(outputs).toHaveLength(1);
    expect(outputs[0]).toMatchObject({
      kind: 'scan',
      typed: 'ABCDEF',
      event: { source: 'wedge', deviceId: 'wedge-1', receivedAt: 160, raw: new TextEncoder().encode('ABCDEF') },
    });
  });

  it('never takes a human typing at 60–250 ms for a scan, and delivers every key in order', () => {
    const random = seededRandom(2);
    for (let n = 0; n < 100; n++) {
      const text = Array.from({ length: 4 + random.int(20) }, () => BASE32[random.int(32)]).join('');
      const strokes = typed(text, 0, between(random, 60, 250));
      const out = run(decoder(), strokes);
      expect(scans(out)).toEqual([]);
      expect(keys(out)).toEqual(strokes.map((s) => s.key));
    }
  });

  it('never takes a fast typist (60–120 ms, an occasional 40 ms pair) for a scan', () => {
    const random = seededRandom(3);
    for (let n = 0; n < 100; n++) {
      const gap = () => (random.float() < 0.2 ? 40 : 60 + random.float() * 60);
      const strokes = typed('12500', 0, gap, ['Enter']).concat(typed('TG1QWERTY', 2000, gap));
      const out = run(decoder(), strokes);
      expect(scans(out)).toEqual([]);
      expect(keys(out)).toEqual(strokes.map((s) => s.key));
    }
  });

  it('splits a human starting to type from a scan that follows', () => {
    const random = seededRandom(4);
    const token = randomToken(random);
    const human = typed('12', 0, () => 110, []);
    const scan = typed(token, 180, between(random, 5, 15));
    const out = run(decoder(), [...human, ...scan]);
    expect(keys(out)).toEqual(['1', '2']);
    expect(scans(out)).toEqual([token]);
    expect(out[0]?.kind).toBe('keys'); // the human's keys come out first
  });

  it('splits a human key typed right after a scan', () => {
    const random = seededRandom(5);
    const token = randomToken(random);
    const scan = typed(token, 0, between(random, 5, 15));
    const after = (scan.at(-1)?.at ?? 0) + 70;
    const out = run(decoder(), [...scan, { key: 'x', at: after }, { key: 'Backspace', at: after + 150 }]);
    expect(scans(out)).toEqual([token]);
    expect(keys(out)).toEqual(['x', 'Backspace']);
  });

  it('times a burst without terminator out into keys via flush', () => {
    const d = decoder();
    const strokes = typed('TG1ABCDEFG', 0, () => 8, []);
    for (const s of strokes) expect(d.key(s)).toEqual([]);
    expect(d.flush(72 + 35)).toEqual([]); // still within reach of one more key
    expect(d.flush(72 + 36)).toEqual([{ kind: 'keys', keys: [...'TG1ABCDEFG'] }]);
    expect(d.flush(500)).toEqual([]);
    // A late terminator is just a key.
    expect(d.key({ key: 'Enter', at: 510 })).toEqual([{ kind: 'keys', keys: ['Enter'] }]);
  });

  it('needs minLength printable characters', () => {
    expect(scans(run(decoder(), typed('ABCDE', 0, () => 10)))).toEqual([]);
    expect(keys(run(decoder(), typed('ABCDE', 0, () => 10)))).toEqual([...'ABCDE', 'Enter']);
    expect(scans(run(decoder(), typed('ABCDEF', 0, () => 10)))).toEqual(['ABCDEF']);
    expect(scans(run(decoder({ minLength: 3 }), typed('ABC', 0, () => 10)))).toEqual(['ABC']);
  });

  it('needs every gap, including the one before the terminator, within maxInterKeyMs', () => {
    expect(scans(run(decoder(), typed('ABCDEFGH', 0, () => 35)))).toEqual(['ABCDEFGH']);
    const slowEnd = typed('ABCDEFGH', 0, () => 10);
    slowEnd[8] = { key: 'Enter', at: 70 + 36 };
    expect(scans(run(decoder(), slowEnd))).toEqual([]);
    expect(keys(run(decoder(), slowEnd))).toEqual([...'ABCDEFGH', 'Enter']);
    const slowMiddle = typed('ABCDEFGH', 0, () => 10).map((s, i) => (i >= 4 ? { ...s, at: s.at + 26 } : s));
    const out = run(decoder(), slowMiddle);
    expect(scans(out)).toEqual([]);
    expect(keys(out)).toEqual([...'ABCDEFGH', 'Enter']);
    expect(scans(run(decoder({ maxInterKeyMs: 60 }), typed('ABCDEFGH', 0, () => 50)))).toEqual(['ABCDEFGH']);
  });

  it('ends on the configured terminator only', () => {
    const tab = decoder({ terminator: 'Tab' });
    expect(scans(run(tab, typed('ABCDEFGH', 0, () => 10, ['Tab'])))).toEqual(['ABCDEFGH']);
    const out = run(decoder({ terminator: 'Tab' }), typed('ABCDEFGH', 0, () => 10, ['Enter']));
    expect(scans(out)).toEqual([]);
    expect(keys(out)).toEqual([...'ABCDEFGH', 'Enter']);
  });

  it('ends a burst at a named key and passes both through', () => {
    const d = decoder();
    const strokes = typed('ABCDEFGHIJ', 0, () => 10, []);
    strokes.splice(5, 0, { key: 'Backspace', at: 45 });
    const out = strokes.flatMap((s) => d.key(s));
    expect(out).toEqual([{ kind: 'keys', keys: [...'ABCDE', 'Backspace'] }]);
    // What follows is a new burst, here too short to be a scan.
    expect(d.key({ key: 'Enter', at: 100 })).toEqual([{ kind: 'keys', keys: [...'FGHIJ', 'Enter'] }]);
  });

  it('ignores Shift, and treats a held-down (repeating) key as a human', () => {
    const d = decoder();
    for (const [i, key] of [...'ABCDEF'].entries()) {
      expect(d.key({ key: 'Shift', at: i * 10 + 1 })).toEqual([]);
      expect(d.key({ key, at: i * 10 + 3 })).toEqual([]);
    }
    expect(d.key({ key: 'Shift', at: 60 })).toEqual([]);
    expect(d.key({ key: 'Enter', at: 64 })).toMatchObject([{ kind: 'scan', typed: 'ABCDEF' }]);

    const held = decoder();
    const repeats: Keystroke[] = Array.from({ length: 12 }, (_, i) => ({ key: 'a', at: i * 30, repeat: i > 0 }));
    const out = run(held, [...repeats, { key: 'Enter', at: 12 * 30 }]);
    expect(scans(out)).toEqual([]);
    expect(keys(out)).toEqual([...'a'.repeat(12), 'Enter']);
  });

  it('treats non-BMP characters as one printable key', () => {
    expect(scans(run(decoder(), typed('😀ABCDE', 0, () => 10)))).toEqual(['😀ABCDE']);
  });

  it('rejects nonsensical options', () => {
    expect(() => decoder({ maxInterKeyMs: 0 })).toThrow(RangeError);
    expect(() => decoder({ minLength: 0 })).toThrow(RangeError);
  });
});

describe('wedge decoder: host keyboard layouts', () => {
  const hostText: Record<HostLayout, string> = {
    us: 'TG1ABCDEFGHIJKLMNOPQRSTUVWXYZ234567',
    de: 'TG1ABCDEFGHIJKLMNOPQRSTUVWXZY234567',
    fr: 'TG&QBCDEFGHIJKL?NOPARSTUVZXYWé"\'(-è',
  };

  it.each(['us', 'de', 'fr'] as const)('round-trips the full test code (%s)', (layout) => {
    expect(toHostLayout(LAYOUT_TEST_CODE, layout)).toBe(hostText[layout]);
    expect(fromHostLayout(hostText[layout], layout)).toBe(LAYOUT_TEST_CODE);
    const out = run(decoder({ layout }), typed(hostText[layout], 0, () => 8));
    expect(scans(out)).toEqual([LAYOUT_TEST_CODE]);
    expect(out[0]).toMatchObject({ kind: 'scan', typed: hostText[layout] });
  });

  it.each(['us', 'de', 'fr'] as const)('maps digits, `]` and AIM identifier letters back (%s)', (layout) => {
    const meant = ']Q1]d2]z0]e0]A0TG1' + '0123456789';
    expect(fromHostLayout(toHostLayout(meant, layout), layout)).toBe(meant);
    const lowerToken = randomToken(seededRandom(6)).toLowerCase();
    expect(fromHostLayout(toHostLayout(lowerToken, layout), layout)).toBe(lowerToken);
  });

  it('shows what each layout does to an AIM-prefixed payment code', () => {
    expect(toHostLayout(']Q1TG1', 'de')).toBe('+Q1TG1');
    expect(toHostLayout(']Q1TG1', 'fr')).toBe('$A&TG&');
    expect(toHostLayout(']z0', 'de')).toBe('+y0');
    expect(toHostLayout(']d2', 'fr')).toBe('$dé');
  });

  it('leaves what a human types alone, whatever the layout', () => {
    const strokes = typed('Zwölf €', 0, () => 120);
    expect(keys(run(decoder({ layout: 'de' }), strokes))).toEqual(strokes.map((s) => s.key));
  });

  it('feeds the scan pipeline a payment code that decodes, on every layout', () => {
    const random = seededRandom(7);
    for (const layout of ['us', 'de', 'fr'] as const) {
      const token = randomToken(random);
      const host = toHostLayout(`]Q1${token}`, layout);
      const out = run(decoder({ layout }), withShifts(typed(host, 0, between(random, 5, 15))));
      const scan = out.find((o) => o.kind === 'scan');
      if (scan?.kind !== 'scan') throw new Error('no scan');
      const result = createScanPipeline().accept(scan.event);
      expect(result).toMatchObject({ kind: 'text', text: token, symbology: ']Q1' });
      expect(decodeTokenText(token).ok).toBe(true);
    }
  });
});

describe('diagnoseLayout', () => {
  it.each([
    ['us', 'TG1ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', /exactly as printed/],
    ['de', 'TG1ABCDEFGHIJKLMNOPQRSTUVWXZY234567', /Y and Z arrived swapped.*German \(QWERTZ\)/],
    ['fr', 'TG&QBCDEFGHIJKL?NOPARSTUVZXYWé"\'(-è', /A\/Q and Z\/W.*digits as &é.*French \(AZERTY\)/],
  ] as const)('recognises a %s host', (layout, received, explanation) => {
    const diagnosis = diagnoseLayout(received);
    expect(diagnosis.layout).toBe(layout);
    expect(diagnosis.explanation).toMatch(explanation);
    expect(diagnosis.explanation).not.toMatch(/Caps Lock|prefix/);
  });

  it('tolerates whitespace, a terminator and an AIM identifier', () => {
    expect(diagnoseLayout(' ]Q1TG1ABCDEFGHIJKLMNOPQRSTUVWXYZ234567\r\n').layout).toBe('us');
    expect(diagnoseLayout('+Q1TG1ABCDEFGHIJKLMNOPQRSTUVWXZY234567\n').layout).toBe('de');
    expect(diagnoseLayout('$A&TG&QBCDEFGHIJKL?NOPARSTUVZXYWé"\'(-è').layout).toBe('fr');
  });

  it('reports Caps Lock', () => {
    const diagnosis = diagnoseLayout('tg1abcdefghijklmnopqrstuvwxzy234567');
    expect(diagnosis.layout).toBe('de');
    expect(diagnosis.explanation).toMatch(/Caps Lock is on/);
    // On French hosts Caps Lock can also bring the digits back.
    const fr = diagnoseLayout('tg1qbcdefghijkl?noparstuvzxyw234567');
    expect(fr.layout).toBe('fr');
    expect(fr.explanation).not.toMatch(/digits as/);
  });

  it('reports a prefix or suffix the scanner adds', () => {
    const diagnosis = diagnoseLayout('PFX-TG1ABCDEFGHIJKLMNOPQRSTUVWXYZ234567#');
    expect(diagnosis.layout).toBe('us');
    expect(diagnosis.explanation).toContain('before: "PFX-", after: "#"');
  });

  it('says when nothing or too little arrived', () => {
    expect(diagnoseLayout(' \r\n')).toMatchObject({ layout: 'unknown', explanation: /Nothing arrived/ });
    expect(diagnoseLayout('TG1ABCDEFGHJKLMNOPQRSTUVWXYZ234567')).toMatchObject({
      layout: 'unknown',
      explanation: /34 characters instead of 35.*lost/,
    });
    expect(diagnoseLayout(LAYOUT_TEST_CODE + LAYOUT_TEST_CODE.slice(0, 5)).layout).toBe('us');
  });

  it('names the closest layout and the characters that differ for an unknown one', () => {
    // A Swiss-German-like host: Y/Z swapped like German, but digits shifted differently.
    const received = 'TG+ABCDEFGHIJKLMNOPQRSTUVWXZY"*ç%&/';
    const diagnosis = diagnoseLayout(received);
    expect(diagnosis.layout).toBe('unknown');
    expect(diagnosis.explanation).toMatch(/Closest is German \(QWERTZ\), with 7 characters differing/);
    expect(diagnosis.explanation).toContain('position 3: "1" expected, "+" arrived');
  });
});
