import { describe, expect, it } from 'vitest';
import { MAX_READ_BYTES, createFrameSplitter, hexSample } from './serialFraming.js';
import type { FramingOutput } from './serialFraming.js';

const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'latin1'));
const text = (out: FramingOutput): string => (out.kind === 'read' ? Buffer.from(out.raw).toString('latin1') : `!too_long:${out.length}`);

describe('createFrameSplitter', () => {
  it.each([
    ['CR', 'AB\rCD\r', ['AB\r', 'CD\r']],
    ['LF', 'AB\nCD\n', ['AB\n', 'CD\n']],
    ['CRLF', 'AB\r\nC\rD\r\n', ['AB\r\n', 'C\rD\r\n']],
    ['TAB', 'AB\tCD\t', ['AB\t', 'CD\t']],
  ] as const)('splits at %s and keeps the terminator in raw', (terminator, input, reads) => {
    const splitter = createFrameSplitter(terminator);
    expect(splitter.push(bytes(input)).map(text)).toEqual(reads);
    expect(splitter.idle).toBe(true);
  });

  it('does not split at a different terminator', () => {
    const splitter = createFrameSplitter('CR');
    expect(splitter.push(bytes('A\nB\tC'))).toEqual([]);
    expect(splitter.push(bytes('\r')).map(text)).toEqual(['A\nB\tC\r']);
  });

  it('joins a CRLF split between chunks', () => {
    const splitter = createFrameSplitter('CRLF');
    expect(splitter.push(bytes('TG1AB\r'))).toEqual([]);
    expect(splitter.idle).toBe(false);
    expect(splitter.push(bytes('\nX')).map(text)).toEqual(['TG1AB\r\n']);
    expect(Buffer.from(splitter.flush()).toString('latin1')).toBe('X');
  });

  it('copies each read out of the caller’s buffer', () => {
    const splitter = createFrameSplitter('CR');
    const chunk = bytes('AB\rC');
    const [read] = splitter.push(chunk);
    chunk.fill(0x7a);
    expect(read && text(read)).toBe('AB\r');
    expect(Buffer.from(splitter.flush()).toString('latin1')).toBe('C');
  });

  it('accepts a read of exactly the limit and rejects one byte more, once', () => {
    const splitter = createFrameSplitter('CR');
    const atLimit = 'A'.repeat(MAX_READ_BYTES);
    expect(splitter.push(bytes(`${atLimit}\r`)).map(text)).toEqual([`${atLimit}\r`]);
    expect(splitter.push(bytes(`${atLimit}B\rOK\r`)).map(text)).toEqual([`!too_long:${MAX_READ_BYTES + 1}`, 'OK\r']);
  });

  it('reports an unterminated flood once, buffers nothing of it, and recovers at the next terminator', () => {
    const splitter = createFrameSplitter('CRLF');
    const outputs: FramingOutput[] = [];
    for (let i = 0; i < 100; i++) outputs.push(...splitter.push(bytes('x'.repeat(1000))));
    expect(outputs.map((o) => o.kind)).toEqual(['too_long']);
    expect(outputs[0]?.kind === 'too_long' && outputs[0].sample).toBe('78'.repeat(64));
    // A CRLF split across chunks still ends the discard.
    expect(splitter.push(bytes('xx\r'))).toEqual([]);
    expect(splitter.push(bytes('\nTG1OK\r\n')).map(text)).toEqual(['TG1OK\r\n']);
    expect(splitter.idle).toBe(true);
  });

  it('flush returns the partial read and ends a discard silently', () => {
    const splitter = createFrameSplitter('CR');
    splitter.push(bytes('y'.repeat(MAX_READ_BYTES + 10)));
    expect(splitter.idle).toBe(false);
    expect(splitter.flush()).toEqual(new Uint8Array(0));
    expect(splitter.push(bytes('NEXT\r')).map(text)).toEqual(['NEXT\r']);
  });

  it('passes binary noise through as a read', () => {
    const splitter = createFrameSplitter('CR');
    const noise = new Uint8Array([0x00, 0xff, 0x80, 0x1b, 0x0a, 0x09, 0x0d]);
    expect(splitter.push(noise)).toEqual([{ kind: 'read', raw: noise }]);
  });
});

describe('hexSample', () => {
  it('takes at most 64 bytes', () => {
    expect(hexSample(new Uint8Array([0x00, 0xab]))).toBe('00ab');
    expect(hexSample(new Uint8Array(100).fill(0xee))).toBe('ee'.repeat(64));
  });
});
