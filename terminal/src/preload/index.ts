/**
 * terminal/src/preload: exposes the one typed terminal API as `window.tegata` through
 * Electron's contextBridge, and nothing else (DESIGN.md). It arrives with issue 12.
 *
 * Nothing runs here yet. This file holds the layer open: it compiles with tsconfig.preload.json
 * (Node and Electron types; imports shared only) and the tegata/layers rule covers the folder.
 */
import type { ContextBridge } from 'electron';
import type { TerminalApi } from '../shared/contracts/terminalApi.js';

/** The only name the preload puts on `window`. */
export type ExposedName = 'tegata';

/** What the preload will hand to `contextBridge.exposeInMainWorld`: the API of terminal/src/shared/contracts. */
export type Exposed = { name: ExposedName; api: TerminalApi; bridge: Pick<ContextBridge, 'exposeInMainWorld'> };
