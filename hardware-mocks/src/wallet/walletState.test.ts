import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { qrSvg, qrVersion } from './qrImages.js';
import { loadWalletState, newWalletState, saveWalletState, WalletStateError } from './walletState.js';

describe('wallet simulator state', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'wallet-state-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is marked TEST-ONLY, private to its owner, and survives a round trip', () => {
    const file = path.join(dir, 'state.json');
    expect(loadWalletState(file)).toBeUndefined();
    const state = { ...newWalletState('http://127.0.0.1:8080'), nextCounter: 42 };
    saveWalletState(file, state);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toMatch(/TEST-ONLY wallet simulator state/);
    expect(loadWalletState(file)).toEqual(state);
  });

  it('refuses a file that is not a TEST-ONLY state', () => {
    const file = path.join(dir, 'other.json');
    writeFileSync(file, JSON.stringify({ backendUrl: 'x', nextCounter: 1, version: 1 }));
    expect(() => loadWalletState(file)).toThrow(WalletStateError);
  });
});

describe('QR images of tokens', () => {
  it('use error correction M: a 330-character TG1 text is version 11', async () => {
    const text = `TG1${'A'.repeat(327)}`;
    expect(qrVersion(text)).toBe(11);
    expect(await qrSvg(text)).toMatch(/^<svg/);
  });
});
