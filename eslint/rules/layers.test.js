import path from 'node:path';
import { RuleTester } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, it } from 'vitest';
import layers from './layers.js';

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
