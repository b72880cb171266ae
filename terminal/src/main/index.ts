/**
 * terminal/src/main: the Electron main process (DESIGN.md): windows, security and IPC wiring
 * only; it starts the terminal core of terminal/src/node in a child process and bridges the
 * typed API to the preload. The shell itself arrives with issue 12.
 *
 * Nothing runs here yet. This file holds the layer open: it compiles with tsconfig.main.json
 * (Node and Electron types; imports shared and node) and the tegata/layers rule covers the
 * folder, so the shell starts inside both.
 */
import type { WebPreferences } from 'electron';

/** The register window's security baseline (Electron's checklist); issue 12 applies and tests it. */
export type RegisterWebPreferences = WebPreferences & {
  contextIsolation: true;
  sandbox: true;
  nodeIntegration: false;
  webSecurity: true;
};
