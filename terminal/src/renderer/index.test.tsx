// @vitest-environment happy-dom
import { act, screen } from '@testing-library/react';
import type { Root } from 'react-dom/client';
import { describe, expect, it } from 'vitest';
import { createApi } from '../shared/contracts/apiTransport.js';
import { mount } from './index.js';
import { terminalStatus } from './testing/fixtures.js';

describe('mount', () => {
  it('renders the register into an element, over the typed API', async () => {
    const element = document.createElement('div');
    document.body.append(element);
    const api = createApi((method) =>
      Promise.resolve(method === 'status' ? { ok: true, value: terminalStatus() } : { ok: false, error: { code: 'internal', message: 'not in this test' } }),
    );
    let root: Root | undefined;
    act(() => {
      root = mount(element, { api, language: 'en', currency: 392 });
    });
    expect(await screen.findByRole('textbox', { name: 'Amount' })).toBeTruthy();
    expect(await screen.findByRole('button', { name: 'Sync now' })).toBeTruthy();
    act(() => root?.unmount());
    element.remove();
  });
});
