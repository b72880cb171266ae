/**
 * terminal/src/renderer: the cashier and technician UI (React, issue 11) and the camera
 * decoder's Web Worker (issue 12). It runs in a browser window, Electron's or a kiosk browser's,
 * and calls the terminal API as `window.tegata` without knowing which transport carries it
 * (DESIGN.md).
 *
 * No UI is here yet. This file holds the layer open: it compiles with tsconfig.renderer.json
 * (DOM, no Node types, imports terminal/src/shared only) and the tegata/layers rule covers the
 * folder, so the first component starts inside both.
 */
import type { TerminalApi } from '../shared/contracts/terminalApi.js';

/** The window the renderer runs in: the preload (or the kiosk client) provides `tegata`. */
export type TegataWindow = Window & { tegata: TerminalApi };
