import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tempDataDir } from '../../../test/helpers/tempDataDir.js';
import { ConfigError, loadTerminalConfig, parseTerminalConfig } from './terminalConfig.js';

describe('terminal config file', () => {
  it('applies documented defaults', () => {
    expect(parseTerminalConfig({})).toEqual({ port: 0, logLevel: 'info', duplicateWindowMs: 1500, scanners: [] });
  });

  it('names an unknown key and suggests the one meant', () => {
    expect(() => parseTerminalConfig({ prot: 8080 }, 'terminal.json')).toThrow('terminal.json: prot: unknown key (did you mean "port"?)');
    expect(() => parseTerminalConfig({ scanners: [{ id: 's1', kind: 'serial', path: '/dev/ttyACM0', baudrat: 9600 }] })).toThrow(
      'scanners.0.baudrat: unknown key (did you mean "baudRate"?)',
    );
  });

  it('names a key with a bad value', () => {
    expect(() => parseTerminalConfig({ port: 70000 })).toThrow(/^config: port: /);
    expect(() => parseTerminalConfig({ scanners: [{ id: 's1', kind: 'serial', parity: 'maybe' }] })).toThrow(/scanners\.0\.parity/);
  });

  it('reports a missing file and invalid JSON clearly', () => {
    const dir = tempDataDir();
    expect(() => loadTerminalConfig(`${dir.path}/nope.json`)).toThrow(/no such config file/);
    writeFileSync(`${dir.path}/bad.json`, '{ "port": 80, }');
    expect(() => loadTerminalConfig(`${dir.path}/bad.json`)).toThrow(ConfigError);
    expect(() => loadTerminalConfig(`${dir.path}/bad.json`)).toThrow(/not valid JSON/);
    dir.remove();
  });
});
