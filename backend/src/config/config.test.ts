import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, keysDirectory } from './config.js';
import { ConfigError, loadConfig } from './loadConfig.js';

const cwd = mkdtempSync(path.join(tmpdir(), 'tegata-config-'));

function writeConfig(name: string, content: string): string {
  const file = path.join(cwd, name);
  writeFileSync(file, content);
  return file;
}

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('gives the defaults, with paths resolved against the working directory', () => {
    const config = loadConfig({ env: {}, cwd });
    expect(config).toMatchObject({ dev: false, host: '127.0.0.1', port: 8080, policy: DEFAULT_CONFIG.policy });
    expect(config.dataDir).toBe(path.join(cwd, 'data'));
    expect(keysDirectory(config)).toBe(path.join(cwd, 'data', 'keys'));
    expect(config.databaseUrl).toBeUndefined();
  });

  it('layers file < environment < command line', () => {
    const file = writeConfig('layers.json', JSON.stringify({ port: 1111, host: '0.0.0.0', policy: { clockSkewSeconds: 10 } }));
    const config = loadConfig({
      env: { TEGATA_PORT: '2222', TEGATA_DEV: '1', TEGATA_CONFIG: file },
      overrides: { port: 3333, dataDir: 'elsewhere' },
      cwd,
    });
    expect(config.port).toBe(3333);
    expect(config.host).toBe('0.0.0.0');
    expect(config.dev).toBe(true);
    expect(config.policy.clockSkewSeconds).toBe(10);
    expect(config.policy.maxTokenTtlSeconds).toBe(60); // untouched siblings keep their defaults
    expect(config.dataDir).toBe(path.join(cwd, 'elsewhere'));
  });

  it('names the environment variable that is wrong', () => {
    expect(problemsOf(() => loadConfig({ env: { TEGATA_PORT: 'eighty' }, cwd }))).toEqual([
      expect.stringMatching(/^TEGATA_PORT \(environment\): /),
    ]);
    expect(problemsOf(() => loadConfig({ env: { TEGATA_DEV: 'maybe' }, cwd }))[0]).toMatch(/^TEGATA_DEV \(environment\)/);
    expect(problemsOf(() => loadConfig({ env: { DATABASE_URL: 'mysql://x' }, cwd }))[0]).toMatch(
      /^DATABASE_URL \(environment\): must be a postgres/,
    );
  });

  it('believes X-Forwarded-For only from the listed proxies, and never from everyone outside dev mode', () => {
    expect(loadConfig({ env: { TEGATA_TRUST_PROXY: '10.0.0.0/8, 192.168.1.5,::1' }, cwd }).trustProxy).toEqual(['10.0.0.0/8', '192.168.1.5', '::1']);
    expect(loadConfig({ env: { TEGATA_TRUST_PROXY: '0' }, cwd }).trustProxy).toBe(false);
    expect(loadConfig({ env: { TEGATA_TRUST_PROXY: '1', TEGATA_DEV: '1' }, cwd }).trustProxy).toBe(true);
    for (const everyone of ['1', 'true', '0.0.0.0/0', '10.0.0.1,::/0']) {
      expect(problemsOf(() => loadConfig({ env: { TEGATA_TRUST_PROXY: everyone }, cwd }))).toEqual([
        expect.stringMatching(/^TEGATA_TRUST_PROXY \(environment\): believes X-Forwarded-For from every client.*list your proxies/),
      ]);
    }
    for (const typo of ['10.0.0/8', '10.0.0.0/33', 'proxy.example', '10.0.0.1/8/1', '::1/129', '']) {
      const file = writeConfig('proxy.json', JSON.stringify({ trustProxy: [typo] }));
      expect(problemsOf(() => loadConfig({ file, cwd }))[0]).toMatch(/trustProxy.*must be an IP address or CIDR block/);
    }
  });

  it('names the key in the config file that is wrong or unknown', () => {
    const file = writeConfig('bad.json', JSON.stringify({ policy: { clockSkewSeconds: -1, colour: 'red' }, prot: 1 }));
    const problems = problemsOf(() => loadConfig({ file, env: {}, cwd }));
    expect(problems).toHaveLength(3);
    expect(problems).toContainEqual(expect.stringMatching(/bad\.json \(config file\): policy\.clockSkewSeconds: /));
    expect(problems.join('\n')).toMatch(/bad\.json \(config file\): policy\.colour: unknown configuration key/);
    expect(problems.join('\n')).toMatch(/bad\.json \(config file\): prot: unknown configuration key/);
  });

  it('reports an unreadable or non-JSON file', () => {
    expect(problemsOf(() => loadConfig({ file: 'missing.json', env: {}, cwd }))[0]).toMatch(/cannot be read \(ENOENT\)/);
    const file = writeConfig('truncated.json', '{"port": 80');
    expect(problemsOf(() => loadConfig({ file, env: {}, cwd }))[0]).toMatch(/is not JSON/);
    const list = writeConfig('list.json', '[]');
    expect(problemsOf(() => loadConfig({ file: list, env: {}, cwd }))[0]).toMatch(/must hold a JSON object/);
  });

  it('requires a long admin token outside dev mode only', () => {
    expect(problemsOf(() => loadConfig({ env: { TEGATA_ADMIN_TOKEN: 'short' }, cwd }))[0]).toMatch(
      /^TEGATA_ADMIN_TOKEN \(environment\): must be at least 32 characters/,
    );
    expect(loadConfig({ env: { TEGATA_ADMIN_TOKEN: 'short', TEGATA_DEV: '1' }, cwd }).adminToken).toBe('short');
  });

  it('names a command-line flag', () => {
    expect(problemsOf(() => loadConfig({ env: {}, overrides: { port: 70_000 }, cwd }))[0]).toMatch(/^--port \(command line\)/);
  });
});
