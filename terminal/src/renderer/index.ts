/**
 * terminal/src/renderer: the cashier and technician UI (React, issue 11) and the camera
 * decoder's Web Worker (issue 12). It runs in a browser window, Electron's or a kiosk browser's,
 * and calls the terminal API as `window.tegata` without knowing which transport carries it
 * (DESIGN.md).
 *
 * So far: the App (amount entry, the decision's live region, the status bar, the ja/en toggle)
 * and `mount`, which the page's entry will call once a build serves it (the Vite build, kiosk
 * serving and the Electron window come later in issue 11 and in issue 12).
 */
import { createElement } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import type { TerminalApi } from '../shared/contracts/terminalApi.js';
import { App, type SubscribeEvents } from './App.js';
import type { Language } from './i18n.js';

/** The window the renderer runs in: the preload (or the kiosk client) provides `tegata`. */
export type TegataWindow = Window & { tegata: TerminalApi };

export interface MountOptions {
  api: TerminalApi;
  subscribe?: SubscribeEvents;
  language: Language;
  /** ISO 4217 numeric (392 = JPY). */
  currency: number;
}

/** Renders the register into `element`; the caller keeps the root to unmount it. */
export function mount(element: HTMLElement, options: MountOptions): Root {
  const root = createRoot(element);
  root.render(createElement(App, options));
  return root;
}
