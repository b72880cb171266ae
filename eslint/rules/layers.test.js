import path from 'node:path';
import { RuleTester } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import layers, { MAY_IMPORT, PACKAGES } from './layers.js';

RuleTester.describe = describe;
RuleTester.it = it;

// A repository that does not exist: the rule works on paths only, never on the disk.
const root = path.resolve('/repo');
const options = [{ root }];
const at = (file) => path.join(root, file);

const ruleTester = new RuleTester({
  languageOptions: { parser: tseslint.parser, ecmaVersion: 'latest', sourceType: 'module' },
});

/** `code` in `file` is allowed. */
const ok = (file, code) => ({ filename: at(file), code, options });

/** The first half of each zone's message. */
const SENTENCES = {
  'protocol/src': 'protocol/src may import only protocol/src',
  'protocol/src/node': 'protocol/src/node may import only protocol/src, protocol/src/node and node builtins',
  'terminal/src/shared': 'terminal/src/shared may import only protocol/src and terminal/src/shared',
  'terminal/src/node':
    'terminal/src/node may import only protocol/src, protocol/src/node, terminal/src/shared, terminal/src/node and node builtins',
  'terminal/src/main':
    'terminal/src/main may import only protocol/src, protocol/src/node, terminal/src/shared, terminal/src/node, terminal/src/main, node builtins and electron',
  'terminal/src/preload': 'terminal/src/preload may import only terminal/src/shared, terminal/src/preload and electron',
  'terminal/src/renderer': 'terminal/src/renderer may import only terminal/src/shared and terminal/src/renderer',
  'terminal/src/cli':
    'terminal/src/cli may import only protocol/src, protocol/src/node, terminal/src/shared, terminal/src/node, terminal/src/cli and node builtins',
  backend: 'backend may import only protocol/src, protocol/src/node, backend and node builtins',
  'hardware-mocks': 'hardware-mocks may import only protocol/src, protocol/src/node, hardware-mocks and node builtins',
};

/** `code` in `file` (whose zone is `zone`) is rejected, importing each of `targets` ("layer (specifier)"). */
const rejected = (zone, file, code, ...targets) => ({
  filename: at(file),
  code,
  options,
  errors: targets.map((target) => ({ message: `${SENTENCES[zone]}; it imports ${target}` })),
});

ruleTester.run('tegata/layers', layers, {
  valid: [
    // protocol core: itself and third-party packages.
    ok('protocol/src/token/verifyToken.ts', "import { sha256 } from '../sha256.js';"),
    ok('protocol/src/sha256.ts', "import { sha256 } from '@noble/hashes/sha2.js';"),
    ok('protocol/src/crypto/ed25519Tweetnacl.ts', "import type { Ed25519 } from './ed25519.js';"),
    ok('protocol/src/index.ts', "export * from './token/verifyToken.js';"),
    ok('protocol/src/index.ts', "export { sha256 } from './sha256.js';"),
    ok('protocol/src/index.ts', "import { x } from '@tegata/protocol';"),
    // protocol node adapters, CLI, bin, bench: core, node and builtins.
    ok('protocol/src/node/ed25519Node.ts', "import { sign } from 'node:crypto'; import type { Ed25519 } from '../crypto/ed25519.js';"),
    ok('protocol/src/cli/main.ts', "import { readFile } from 'fs/promises'; import { x } from '../node/index.js';"),
    ok('protocol/bin/tegata-token.mjs', "import { x } from '../dist/node/index.js'; import { y } from '@tegata/protocol/node';"),
    ok('protocol/bench/run.mjs', "const { performance } = require('perf_hooks'); await import('../dist/index.js');"),
    ok('protocol/test/vectors.test.ts', "import v from '../../fixtures/vectors.json' with { type: 'json' }; import { readFileSync } from 'node:fs';"),
    // terminal/src/shared: protocol core and itself.
    ok('terminal/src/shared/sale.ts', "import { verifyToken } from '@tegata/protocol'; import type { Reason } from './reasons.js';"),
    // terminal/src/node: shared, node, protocol, builtins.
    ok(
      'terminal/src/node/store.ts',
      "import { join } from 'node:path'; import type { Sale } from '../shared/sale.js'; import { x } from '@tegata/protocol/node'; import Database from 'better-sqlite3';",
    ),
    // terminal/src/main: shared, node, main, protocol, builtins, electron.
    ok(
      'terminal/src/main/main.ts',
      "import { app } from 'electron'; import { ipcMain } from 'electron/main'; import { startCore } from '../node/core.js'; import type { Api } from '../shared/contracts/api.js'; import { fork } from 'node:child_process'; import { y } from '@tegata/protocol';",
    ),
    // terminal/src/preload: shared, preload, electron.
    ok('terminal/src/preload/preload.ts', "import { contextBridge, ipcRenderer } from 'electron'; import type { Api } from '../shared/contracts/api.js';"),
    // terminal/src/renderer: shared, renderer, third-party.
    ok(
      'terminal/src/renderer/App.tsx',
      "import { useState } from 'react'; import type { Api } from '../shared/contracts/api.js'; import { Keypad } from './Keypad.js'; import { BrowserQRCodeReader } from '@zxing/library';",
    ),
    ok('terminal/src/renderer/camera.ts', "const Worker = await import('./decodeWorker.js?worker');"),
    // terminal/src/cli: shared, node, cli, protocol, builtins.
    ok('terminal/src/cli/serve.ts', "import { createServer } from 'node:http'; import { startCore } from '../node/core.js'; import { x } from '@tegata/protocol/node';"),
    // terminal/test: the whole terminal.
    ok('terminal/test/e2e/sale.test.ts', "import { startCore } from '../../src/node/core.js'; import { App } from '../../src/renderer/App.js';"),
    // backend: protocol, itself, builtins.
    ok('backend/src/settlement.ts', "import { verifyToken } from '@tegata/protocol'; import { scrypt } from 'node:crypto'; import { db } from './db.js'; import Fastify from 'fastify';"),
    ok('backend/src/issuer/signer.ts', "import { createNodeEd25519 } from '@tegata/protocol/node'; import { x } from '@tegata/backend/issuer';"),
    // hardware-mocks: protocol, itself, builtins.
    ok('hardware-mocks/src/wallet/wallet.ts', "import { x } from '@tegata/protocol'; import { createServer } from 'node:net'; import { y } from '../serial/scanner.js';"),
    // Tests may also use the mocks and the fixtures.
    ok('terminal/src/renderer/App.test.tsx', "import { wallet } from '@tegata/hardware-mocks'; import keys from '../../../fixtures/keys.json' with { type: 'json' };"),
    ok('backend/src/settlement.test.ts', "import { mintToken } from '../../hardware-mocks/src/wallet/mint.js';"),
    ok('protocol/src/token/verifyToken.test.ts', "import { vectors } from '../../../fixtures/vectors.js'; import { helper } from '../../test/helper.js';"),
    ok('terminal/src/node/store.test.ts', "import { tempDir } from '../../test/helpers/tempDir.js';"),
    // Tests of the pure protocol core cross-check it against node:crypto and the Node adapters.
    ok('protocol/src/crypto/ed25519.test.ts', "import { createHash } from 'node:crypto'; import { nodeEd25519 } from '../node/ed25519Node.js';"),
    // Unzoned files are unrestricted.
    ok('scripts/start.mjs', "import { startBackend } from '../backend/src/server.js'; import { app } from '../terminal/src/main/main.js';"),
    ok('fixtures/generate.mjs', "import { sign } from '../protocol/src/node/ed25519Node.js'; import fs from 'node:fs';"),
    ok('eslint/rules/layers.js', "import { builtinModules } from 'node:module';"),
    // Files outside the repository root are none of our business.
    { filename: path.resolve('/elsewhere/terminal/src/renderer/x.ts'), code: "import fs from 'node:fs';", options },
    // Only string specifiers can be classified.
    ok('terminal/src/renderer/lazy.ts', 'const page = await import(pageName);'),
    ok('terminal/src/renderer/lazy.ts', "const fs = require(`${name}`);"),
    // `punycode/` is the npm package, not the builtin.
    ok('terminal/src/renderer/idn.ts', "import punycode from 'punycode/';"),
  ],

  invalid: [
    // Tests keep their folder's rule: only protocol core tests get Node for cross-checks.
    {
      filename: at('terminal/src/renderer/App.test.tsx'),
      code: "import { readFileSync } from 'node:fs';",
      options,
      errors: [{ messageId: 'crossLayer' }],
    },
    // The example of the brief, word for word.
    {
      filename: at('terminal/src/renderer/Status.tsx'),
      code: "import { openStore } from '../node/store.js';",
      options,
      errors: [
        {
          message:
            'terminal/src/renderer may import only terminal/src/shared and terminal/src/renderer; it imports terminal/src/node (../node/store.js)',
          line: 1,
          column: 27,
        },
      ],
    },
    // The same through every kind of module reference.
    rejected(
      'terminal/src/renderer',
      'terminal/src/renderer/Status.ts',
      [
        "import type { Store } from '../node/store.js';",
        "export { openStore } from '../node/store.js';",
        "export type { Store } from '../node/store.js';",
        "export * from '../node/store.js';",
        "export * as store from '../node/store.js';",
        "const lazy = await import('../node/store.js');",
        'const tpl = await import(`../node/store.js`);',
        "const req = require('../node/store.js');",
        "import req2 = require('../node/store.js');",
        "type T = import('../node/store.js').Store;",
      ].join('\n'),
      ...Array(10).fill('terminal/src/node (../node/store.js)'),
    ),
    rejected(
      'terminal/src/renderer',
      'terminal/src/renderer/Receipt.tsx',
      "import fs from 'node:fs'; import path from 'path'; import { ipcRenderer } from 'electron'; import { x } from '@tegata/protocol'; import { y } from '../main/ipc.js';",
      'node builtins (node:fs)',
      'node builtins (path)',
      'electron (electron)',
      'protocol/src (@tegata/protocol)',
      'terminal/src/main (../main/ipc.js)',
    ),

    // protocol core: no Node, no Electron, nothing else of ours.
    rejected(
      'protocol/src',
      'protocol/src/token/verifyToken.ts',
      "import { createHash } from 'node:crypto'; import { Buffer } from 'buffer'; import { app } from 'electron';",
      'node builtins (node:crypto)',
      'node builtins (buffer)',
      'electron (electron)',
    ),
    rejected(
      'protocol/src',
      'protocol/src/crypto/ed25519.ts',
      "import { createNodeEd25519 } from '../node/ed25519Node.js'; import { x } from '@tegata/protocol/node'; import { run } from '../cli/main.js';",
      'protocol/src/node (../node/ed25519Node.js)',
      'protocol/src/node (@tegata/protocol/node)',
      'protocol/src/cli (../cli/main.js)',
    ),
    rejected(
      'protocol/src',
      'protocol/src/index.ts',
      "import { s } from '@tegata/terminal'; import { b } from '../../backend/src/db.js'; import { w } from '@tegata/hardware-mocks'; import k from '../../fixtures/keys.json';",
      'terminal (@tegata/terminal)',
      'backend (../../backend/src/db.js)',
      'hardware-mocks (@tegata/hardware-mocks)',
      'fixtures (../../fixtures/keys.json)',
    ),
    // protocol node adapters: still nothing of ours beyond protocol, and no Electron.
    rejected(
      'protocol/src/node',
      'protocol/src/node/ed25519Node.ts',
      "import { a } from '@tegata/terminal/node/store.js'; import { app } from 'electron';",
      'terminal/src/node (@tegata/terminal/node/store.js)',
      'electron (electron)',
    ),
    {
      filename: at('protocol/bin/tegata-token.mjs'),
      code: "import { x } from '../../terminal/dist/shared/sale.js';",
      options,
      errors: [
        {
          message:
            'protocol/bin may import only protocol/src, protocol/src/node and node builtins; it imports terminal/src/shared (built) (../../terminal/dist/shared/sale.js)',
        },
      ],
    },

    // terminal/src/shared: pure.
    rejected(
      'terminal/src/shared',
      'terminal/src/shared/sale.ts',
      "import { EventEmitter } from 'node:events'; import { x } from '@tegata/protocol/node'; import { s } from '../node/store.js'; import { app } from 'electron';",
      'node builtins (node:events)',
      'protocol/src/node (@tegata/protocol/node)',
      'terminal/src/node (../node/store.js)',
      'electron (electron)',
    ),
    // terminal/src/node: no Electron, no UI layers.
    rejected(
      'terminal/src/node',
      'terminal/src/node/sync.ts',
      "import { app } from 'electron'; import { w } from '../main/windows.js'; import { r } from '../renderer/App.js'; import { c } from '../cli/serve.js';",
      'electron (electron)',
      'terminal/src/main (../main/windows.js)',
      'terminal/src/renderer (../renderer/App.js)',
      'terminal/src/cli (../cli/serve.js)',
    ),
    // terminal/src/main: not the renderer or preload.
    rejected(
      'terminal/src/main',
      'terminal/src/main/windows.ts',
      "import { App } from '../renderer/App.js'; import '../preload/preload.js'; import { b } from '@tegata/backend';",
      'terminal/src/renderer (../renderer/App.js)',
      'terminal/src/preload (../preload/preload.js)',
      'backend (@tegata/backend)',
    ),
    // terminal/src/preload: Electron yes, Node no.
    rejected(
      'terminal/src/preload',
      'terminal/src/preload/preload.ts',
      "import fs from 'node:fs'; import { s } from '../node/store.js'; import { p } from '@tegata/protocol';",
      'node builtins (node:fs)',
      'terminal/src/node (../node/store.js)',
      'protocol/src (@tegata/protocol)',
    ),
    // terminal/src/cli: no Electron, main, preload or renderer.
    rejected(
      'terminal/src/cli',
      'terminal/src/cli/doctor.ts',
      "import { app } from 'electron'; import { m } from '../main/main.js'; import '../preload/preload.js'; import { r } from '../renderer/App.js';",
      'electron (electron)',
      'terminal/src/main (../main/main.js)',
      'terminal/src/preload (../preload/preload.js)',
      'terminal/src/renderer (../renderer/App.js)',
    ),

    // backend never imports terminal — by package name or by path — nor the mocks.
    rejected(
      'backend',
      'backend/src/ingest.ts',
      "import { x } from '@tegata/terminal'; import { y } from '../../terminal/src/node/x.js';",
      'terminal (@tegata/terminal)',
      'terminal/src/node (../../terminal/src/node/x.js)',
    ),
    rejected(
      'backend',
      'backend/src/x.ts',
      "import { y } from '../../terminal/src/node/x.js'; import type { S } from '@tegata/terminal/shared'; export * from '@tegata/hardware-mocks'; const e = await import('electron');",
      'terminal/src/node (../../terminal/src/node/x.js)',
      'terminal/src/shared (@tegata/terminal/shared)',
      'hardware-mocks (@tegata/hardware-mocks)',
      'electron (electron)',
    ),
    // hardware-mocks: protocol only.
    rejected(
      'hardware-mocks',
      'hardware-mocks/src/serial/scanner.ts',
      "import { s } from '../../../terminal/src/node/scanners/serial.js'; const b = require('@tegata/backend/server');",
      'terminal/src/node (../../../terminal/src/node/scanners/serial.js)',
      'backend (@tegata/backend/server)',
    ),

    // Tests follow their folder: the mocks and fixtures are the only extras.
    {
      filename: at('terminal/src/renderer/App.test.tsx'),
      code: "import { w } from '@tegata/hardware-mocks'; import { s } from '../node/store.js';",
      options,
      errors: [
        {
          message:
            'terminal/src/renderer tests may import only terminal/src/shared, terminal/src/renderer, hardware-mocks, fixtures and terminal/test; it imports terminal/src/node (../node/store.js)',
        },
      ],
    },
    {
      filename: at('backend/test/e2e/sync.test.ts'),
      code: "import { startCore } from '../../../terminal/src/node/core.js';",
      options,
      errors: [
        {
          message:
            'backend tests may import only protocol/src, protocol/src/node, backend, node builtins, hardware-mocks and fixtures; it imports terminal/src/node (../../../terminal/src/node/core.js)',
        },
      ],
    },
    // Paths that leave the repository, or reach something of ours that is not a layer.
    rejected(
      'protocol/src',
      'protocol/src/bytes.ts',
      "import x from '../../../outside.js'; import { y } from '../package.json'; import { z } from '@tegata/unknown';",
      'a path outside the repository (../../../outside.js)',
      'protocol/package.json (../package.json)',
      '@tegata/unknown (@tegata/unknown)',
    ),
  ],
});

// Without a `root` option the rule measures paths from ESLint's cwd.
const cwdTester = new RuleTester({ languageOptions: { parser: tseslint.parser } });
cwdTester.run('tegata/layers (root = cwd)', layers, {
  valid: [{ filename: path.join(process.cwd(), 'terminal/src/node/x.ts'), code: "import fs from 'node:fs';" }],
  invalid: [
    {
      filename: path.join(process.cwd(), 'backend/src/x.ts'),
      code: "import { x } from '@tegata/terminal';",
      errors: [{ messageId: 'crossLayer' }],
    },
  ],
});

/**
 * `code` in `file` (whose zone reads `zone` and whose row is `row`) imports third-party packages
 * its row does not list: one error per `[package, specifier]`, naming the layer, the package
 * and where the list lives.
 */
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const packageRejected = (zone, row, file, code, ...imports) => ({
  filename: at(file),
  code,
  options,
  errors: imports.map(([pkg, specifier]) => ({
    message: new RegExp(
      `^${escape(`${zone} may not import the package ${pkg} (${specifier}): it is not on the ${row} row of PACKAGES in eslint/rules/layers.js, which allows `)}`,
    ),
  })),
});

describe('PACKAGES', () => {
  it('has a row for every zoned layer, and no other', () => {
    expect(Object.keys(PACKAGES).sort()).toEqual(Object.keys(MAY_IMPORT).sort());
  });
});

ruleTester.run('tegata/layers: third-party packages', layers, {
  valid: [
    // Pure libraries in the pure layers, with subpaths.
    ok('terminal/src/shared/contracts/api.ts', "import { z } from 'zod'; import * as z4 from 'zod/v4'; import type { ZodType } from 'zod/v4/core';"),
    ok('protocol/src/sha256.ts', "import { sha256 } from '@noble/hashes/sha2.js'; import nacl from 'tweetnacl';"),
    ok('protocol/src/api/head.ts', "import { z } from 'zod';"),
    // The renderer's UI packages, scoped and with subpaths.
    ok(
      'terminal/src/renderer/main.tsx',
      "import { createRoot } from 'react-dom/client'; import { jsx } from 'react/jsx-runtime'; import i18next from 'i18next'; import { useTranslation } from 'react-i18next'; import { readBarcodes } from 'zxing-wasm/reader'; import { BrowserQRCodeReader } from '@zxing/library/esm/index.js'; import { z } from 'zod';",
    ),
    // The register's Node side: native and server packages.
    ok(
      'terminal/src/node/store/openDatabase.ts',
      "import Database from 'better-sqlite3'; import { SerialPort } from 'serialport'; import { WebSocketServer } from 'ws'; import pino from 'pino'; import { z } from 'zod';",
    ),
    ok('terminal/src/cli/serveCommand.ts', "import pino from 'pino'; import WebSocket from 'ws';"),
    // Electron in main and preload (a layer of MAY_IMPORT, subpaths included).
    ok('terminal/src/main/main.ts', "import { app, BrowserWindow } from 'electron'; import { ipcMain } from 'electron/main';"),
    ok('terminal/src/preload/preload.ts', "import { contextBridge } from 'electron'; import { ipcRenderer } from 'electron/renderer';"),
    // The backend's server packages; the mocks' QR renderer.
    ok(
      'backend/src/server.ts',
      "import Fastify from 'fastify'; import { Kysely } from 'kysely'; import pg from 'pg'; import { Redis } from 'ioredis'; import client from 'prom-client'; import pino from 'pino'; import Database from 'better-sqlite3'; import { dictionary } from '@zxcvbn-ts/language-common';",
    ),
    ok('backend/bench/ingest.mjs', "import pg from 'pg';"),
    ok('hardware-mocks/src/wallet/qrPage.ts', "import QRCode from 'qrcode';"),
    // Tests: vitest everywhere; the serial mock in the register's Node tests.
    ok('terminal/src/shared/reasonText.test.ts', "import { describe } from 'vitest'; import { z } from 'zod';"),
    ok(
      'terminal/src/node/scanners/serialScanner.test.ts',
      "import { it } from 'vitest'; import type { MockBindingInterface } from '@serialport/binding-mock'; const m = require('@serialport/binding-mock');",
    ),
    ok('terminal/test/e2e/sync.test.ts', "import { it } from 'vitest'; import pg from 'pg'; import Database from 'better-sqlite3'; import WebSocket from 'ws';"),
    ok('backend/test/journal.test.ts', "import { it } from 'vitest'; import pg from 'pg';"),
    // `#subpath` imports and URLs name no package.
    ok('terminal/src/shared/x.ts', "import { a } from '#internal/a.js'; import b from 'data:text/javascript,export default 1';"),
    // Unzoned files are unrestricted.
    ok('scripts/start.mjs', "import Database from 'better-sqlite3'; import React from 'react';"),
  ],

  invalid: [
    // The pure layers: no native, server or Node packages; node:fs is a node builtin.
    packageRejected(
      'terminal/src/shared',
      'terminal/src/shared',
      'terminal/src/shared/sale.ts',
      "import Database from 'better-sqlite3'; import { WebSocket } from 'ws'; import type { RawData } from 'ws/lib/receiver.js'; import pino from 'pino';",
      ['better-sqlite3', 'better-sqlite3'],
      ['ws', 'ws'],
      ['ws', 'ws/lib/receiver.js'],
      ['pino', 'pino'],
    ),
    {
      filename: at('terminal/src/shared/sale.ts'),
      code: "import { readFileSync } from 'node:fs';",
      options,
      errors: [{ message: 'terminal/src/shared may import only protocol/src and terminal/src/shared; it imports node builtins (node:fs)' }],
    },
    // The whole message, once.
    {
      filename: at('terminal/src/shared/sale.ts'),
      code: "import Database from 'better-sqlite3';",
      options,
      errors: [
        {
          message:
            'terminal/src/shared may not import the package better-sqlite3 (better-sqlite3): it is not on the terminal/src/shared row of PACKAGES in eslint/rules/layers.js, which allows zod, @noble/hashes, tweetnacl and punycode',
          line: 1,
          column: 22,
        },
      ],
    },
    // Every kind of module reference is checked for packages too.
    packageRejected(
      'terminal/src/shared',
      'terminal/src/shared',
      'terminal/src/shared/x.ts',
      [
        "import type { WebSocket } from 'ws';",
        "export { WebSocket } from 'ws';",
        "export * from 'ws';",
        "const lazy = await import('ws');",
        "const req = require('ws');",
        "import req2 = require('ws');",
        "type T = import('ws').WebSocket;",
      ].join('\n'),
      ...Array(7).fill(['ws', 'ws']),
    ),
    // Names match whole packages, never a prefix.
    packageRejected(
      'terminal/src/shared',
      'terminal/src/shared',
      'terminal/src/shared/x.ts',
      "import a from 'zodiac'; import b from '@noble/hashes-extra'; import c from '@noble/curves/ed25519'; import d from 'zod-to-json-schema';",
      ['zodiac', 'zodiac'],
      ['@noble/hashes-extra', '@noble/hashes-extra'],
      ['@noble/curves', '@noble/curves/ed25519'],
      ['zod-to-json-schema', 'zod-to-json-schema'],
    ),
    packageRejected(
      'protocol/src',
      'protocol/src',
      'protocol/src/token/verifyToken.ts',
      "import pino from 'pino'; import { x } from '@fastify/cors/types'; import React from 'react';",
      ['pino', 'pino'],
      ['@fastify/cors', '@fastify/cors/types'],
      ['react', 'react'],
    ),
    // protocol's Node side and its bins are Node, but not the register's or the backend's packages.
    packageRejected('protocol/bin', 'protocol/src/node', 'protocol/bin/tegata-token.mjs', "import Fastify from 'fastify';", ['fastify', 'fastify']),
    // The renderer: UI packages only; Electron and the Node side are out of reach.
    {
      filename: at('terminal/src/renderer/App.tsx'),
      code: "import { ipcRenderer } from 'electron'; import Database from 'better-sqlite3'; import { SerialPort } from 'serialport';",
      options,
      errors: [
        { message: 'terminal/src/renderer may import only terminal/src/shared and terminal/src/renderer; it imports electron (electron)' },
        { message: /^terminal\/src\/renderer may not import the package better-sqlite3 \(better-sqlite3\)/ },
        { message: /^terminal\/src\/renderer may not import the package serialport \(serialport\)/ },
      ],
    },
    // The preload: electron, not React.
    packageRejected(
      'terminal/src/preload',
      'terminal/src/preload',
      'terminal/src/preload/preload.ts',
      "import React from 'react'; import { createRoot } from 'react-dom/client'; import i18next from 'i18next';",
      ['react', 'react'],
      ['react-dom', 'react-dom/client'],
      ['i18next', 'i18next'],
    ),
    // Main: Electron and our node layer, but neither the UI nor the native packages directly.
    packageRejected(
      'terminal/src/main',
      'terminal/src/main',
      'terminal/src/main/windows.ts',
      "import React from 'react'; import Database from 'better-sqlite3'; import { readBarcodes } from 'zxing-wasm/reader';",
      ['react', 'react'],
      ['better-sqlite3', 'better-sqlite3'],
      ['zxing-wasm', 'zxing-wasm/reader'],
    ),
    // The register's Node side: no UI, no backend server packages.
    packageRejected(
      'terminal/src/node',
      'terminal/src/node',
      'terminal/src/node/sync/x.ts',
      "import React from 'react'; import { BrowserQRCodeReader } from '@zxing/library'; import Fastify from 'fastify'; import { Kysely } from 'kysely';",
      ['react', 'react'],
      ['@zxing/library', '@zxing/library'],
      ['fastify', 'fastify'],
      ['kysely', 'kysely'],
    ),
    // Test tools stay in tests; the serial mock stays in the register's Node tests.
    packageRejected(
      'terminal/src/node',
      'terminal/src/node',
      'terminal/src/node/scanners/serialPorts.ts',
      "import { MockBinding } from '@serialport/binding-mock'; import { vi } from 'vitest';",
      ['@serialport/binding-mock', '@serialport/binding-mock'],
      ['vitest', 'vitest'],
    ),
    packageRejected(
      'terminal/src/renderer tests',
      'terminal/src/renderer',
      'terminal/src/renderer/App.test.tsx',
      "import { it } from 'vitest'; import { MockBinding } from '@serialport/binding-mock'; import Database from 'better-sqlite3';",
      ['@serialport/binding-mock', '@serialport/binding-mock'],
      ['better-sqlite3', 'better-sqlite3'],
    ),
    // The backend: its server packages, not the register's or the UI's.
    packageRejected(
      'backend',
      'backend',
      'backend/src/routes/x.ts',
      "import { SerialPort } from 'serialport'; import React from 'react'; import QRCode from 'qrcode';",
      ['serialport', 'serialport'],
      ['react', 'react'],
      ['qrcode', 'qrcode'],
    ),
    // The mocks: what they use.
    packageRejected(
      'hardware-mocks',
      'hardware-mocks',
      'hardware-mocks/src/wallet/x.ts',
      "import Database from 'better-sqlite3'; import Fastify from 'fastify';",
      ['better-sqlite3', 'better-sqlite3'],
      ['fastify', 'fastify'],
    ),
  ],
});
