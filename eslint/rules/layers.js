/**
 * tegata/layers: DESIGN.md's dependency rule, executable.
 *
 * Every import, re-export, dynamic import(), require() and TS `import x = require()` is
 * classified by the layer it comes from and the layer or package it reaches; a file in a zone
 * below may import only what its row lists:
 *
 * - our own code (relative paths and the `@tegata/*` workspace packages): the rows of MAY_IMPORT;
 *   node builtins and electron are layers of their own there, so the pure layers cannot reach them;
 * - third-party packages: the rows of PACKAGES (after MAY_IMPORT). A package not on its layer's row is
 *   an error that names the layer, the package and this file.
 *
 * The package lists are what the code imports today, plus the UI packages the renderer issues
 * plan (DESIGN.md, issues 11 and 12). Adding a package to a layer is a one-line change here, made
 * on purpose and seen in review: that is the point of the lists.
 */
import { builtinModules } from 'node:module';
import path from 'node:path';

const NODE = 'node builtins';
const ELECTRON = 'electron';

/**
 * Where each layer lives, as path prefixes relative to the repository root. A path belongs to
 * the first layer one of whose prefixes it starts with, so the specific rows come first.
 */
export const LAYERS = [
  // Node adapters of the protocol; its CLI, bin and bench run on Node too.
  ['protocol/src/node', ['protocol/src/node', 'protocol/src/cli', 'protocol/bin', 'protocol/bench']],
  ['protocol/test', ['protocol/test']],
  ['protocol/src', ['protocol/src']],
  ['terminal/src/shared', ['terminal/src/shared']],
  ['terminal/src/node', ['terminal/src/node']],
  ['terminal/src/main', ['terminal/src/main']],
  ['terminal/src/preload', ['terminal/src/preload']],
  ['terminal/src/renderer', ['terminal/src/renderer']],
  ['terminal/src/cli', ['terminal/src/cli']],
  ['terminal/test', ['terminal/test']],
  ['backend', ['backend']],
  ['hardware-mocks', ['hardware-mocks']],
  ['fixtures', ['fixtures']],
];

const PROTOCOL = ['protocol/src', 'protocol/src/node'];
const TERMINAL = [
  'terminal/src/shared',
  'terminal/src/node',
  'terminal/src/main',
  'terminal/src/preload',
  'terminal/src/renderer',
  'terminal/src/cli',
];

/**
 * Who may import what. A layer without a row here (fixtures, root scripts, eslint/) is
 * unrestricted.
 */
export const MAY_IMPORT = {
  // `protocol` depends on nothing of ours; its core is pure: no Node, no DOM, no Electron.
  'protocol/src': ['protocol/src'],
  'protocol/src/node': [...PROTOCOL, NODE],
  'protocol/test': [...PROTOCOL, 'protocol/test', NODE],

  // terminal/src: `shared` imports only `protocol`; `node` imports `shared`; `main` imports
  // `shared` and `node`; `preload` and `renderer` import `shared` only.
  'terminal/src/shared': ['protocol/src', 'terminal/src/shared'],
  'terminal/src/node': [...PROTOCOL, 'terminal/src/shared', 'terminal/src/node', NODE],
  'terminal/src/main': [...PROTOCOL, 'terminal/src/shared', 'terminal/src/node', 'terminal/src/main', NODE, ELECTRON],
  'terminal/src/preload': ['terminal/src/shared', 'terminal/src/preload', ELECTRON],
  'terminal/src/renderer': ['terminal/src/shared', 'terminal/src/renderer'],
  'terminal/src/cli': [...PROTOCOL, 'terminal/src/shared', 'terminal/src/node', 'terminal/src/cli', NODE],
  'terminal/test': [...PROTOCOL, ...TERMINAL, 'terminal/test', NODE],

  // `backend` imports `protocol`, never `terminal`.
  backend: [...PROTOCOL, 'backend', NODE],
  // `hardware-mocks` may import `protocol`.
  'hardware-mocks': [...PROTOCOL, 'hardware-mocks', NODE],
};

/**
 * Third-party packages, by npm name: a specifier names its package's first path segment, or the
 * first two when scoped (`zod/v4` is `zod`, `@noble/hashes/sha2.js` is `@noble/hashes`). The
 * `electron` package is governed by MAY_IMPORT (main and preload only), not by these lists.
 */

/** Pure libraries: no Node, DOM or Electron inside, so every layer may use them. */
const PURE_PACKAGES = [
  'zod', // schemas where bytes enter (STYLE.md: validate at the edge)
  '@noble/hashes', // protocol's SHA-256
  'tweetnacl', // protocol's Ed25519
  'punycode', // the npm package (`punycode/`), not Node's deprecated builtin of that name
];

/** Native and server packages of the register's Node side. */
const TERMINAL_NODE_PACKAGES = [
  'better-sqlite3', // the store
  'serialport', // serial scanners
  'ws', // the loopback API's WebSocket
  'pino', // structured logs (STYLE.md)
];

/** The planned cashier UI: React 19, i18next, the two QR decoders of issue 12. */
const RENDERER_PACKAGES = ['react', 'react-dom', 'i18next', 'react-i18next', '@zxing/library', 'zxing-wasm'];

/** The packages each zoned layer may import; a layer of MAY_IMPORT without a row here may import none. */
export const PACKAGES = {
  'protocol/src': [...PURE_PACKAGES],
  'protocol/src/node': [...PURE_PACKAGES],
  'protocol/test': [...PURE_PACKAGES],

  'terminal/src/shared': [...PURE_PACKAGES],
  'terminal/src/node': [...PURE_PACKAGES, ...TERMINAL_NODE_PACKAGES],
  // Electron's main wires windows and IPC; storage, scanners and sockets stay behind terminal/src/node.
  'terminal/src/main': [...PURE_PACKAGES],
  'terminal/src/preload': [...PURE_PACKAGES],
  'terminal/src/renderer': [...PURE_PACKAGES, ...RENDERER_PACKAGES],
  'terminal/src/cli': [...PURE_PACKAGES, ...TERMINAL_NODE_PACKAGES],
  // End-to-end tests also start the backend on PostgreSQL.
  'terminal/test': [...PURE_PACKAGES, ...TERMINAL_NODE_PACKAGES, 'pg'],

  backend: [
    ...PURE_PACKAGES,
    'fastify',
    'kysely',
    'better-sqlite3',
    'pg',
    'ioredis',
    'pino',
    'prom-client',
    '@zxcvbn-ts/language-common', // the password blocklist
  ],
  'hardware-mocks': [...PURE_PACKAGES, 'qrcode'],
};

/** Test tools every layer's tests may import, on top of their layer's packages. */
export const TEST_PACKAGES = ['vitest'];

/** Test-only packages of some layers. */
export const TEST_PACKAGES_BY_LAYER = {
  'terminal/src/node': ['@serialport/binding-mock'],
  // Component tests render into happy-dom (a per-file `@vitest-environment` comment, no import).
  'terminal/src/renderer': ['@testing-library/react', '@testing-library/dom', '@testing-library/user-event'],
  'terminal/test': ['@serialport/binding-mock'],
};

/**
 * Tests (`*.test.ts`, anything under a package's `test/`) follow their folder's row and may also
 * import these, plus their own package's `test/` helpers.
 */
export const TESTS_MAY_ALSO_IMPORT = ['hardware-mocks', 'fixtures'];

/**
 * Tests of the pure protocol core run on Node and cross-check it against node:crypto and the
 * Node adapters; the core itself still may not.
 */
export const TESTS_MAY_ALSO_IMPORT_BY_LAYER = {
  'protocol/src': [NODE, 'protocol/src/node'],
};

/** `@tegata/<package>[/<subpath>]` → layer. */
function packageLayer(pkg, subpath) {
  const first = subpath.split('/')[0];
  switch (pkg) {
    case 'protocol':
      return first === 'node' || first === 'cli' ? 'protocol/src/node' : 'protocol/src';
    case 'terminal':
      return subpath && TERMINAL.includes(`terminal/src/${first}`) ? `terminal/src/${first}` : 'terminal';
    case 'backend':
      return 'backend';
    case 'hardware-mocks':
      return 'hardware-mocks';
    default:
      return `@tegata/${pkg}`;
  }
}

const BUILTINS = new Set(builtinModules);
const TEST_FILE = /\.(test|spec)\.[cm]?[jt]sx?$/;

function toPosix(p) {
  return p.split(path.sep).join('/');
}

function startsWithPath(rel, prefix) {
  return rel === prefix || rel.startsWith(`${prefix}/`);
}

/** The layer of a repo-relative POSIX path, and the prefix that matched (for messages). */
function layerOfPath(rel) {
  for (const [layer, prefixes] of LAYERS) {
    const prefix = prefixes.find((p) => startsWithPath(rel, p));
    if (prefix) return { layer, label: prefix };
  }
  return null;
}

/** Built output (`protocol/dist/node/x.js`, what .mjs scripts import) belongs to its source's layer. */
function layerOfTarget(rel) {
  const built = /^([^/]+)\/dist(\/.*)?$/.exec(rel);
  const source = built ? layerOfPath(`${built[1]}/src${built[2] ?? ''}`) : null;
  if (source) return { layer: source.layer, label: `${source.label} (built)` };
  return layerOfPath(rel);
}

function isOutside(rel) {
  return rel === '..' || rel.startsWith('../') || path.posix.isAbsolute(rel) || /^[a-zA-Z]:/.test(rel);
}

/**
 * What an import specifier reaches, seen from `fileDir` (repo-relative POSIX directory):
 * `{ layer, label }` for our code, node builtins and electron; `{ pkg }` for a third-party
 * package; null for what names neither (a `#subpath` import, resolved by the package itself, or
 * a URL such as `data:`).
 */
function classifyTarget(specifier, fileDir, root) {
  if (specifier.startsWith('node:')) return { layer: NODE, label: NODE };
  if (specifier === 'electron' || specifier.startsWith('electron/')) return { layer: ELECTRON, label: ELECTRON };

  const tegata = /^@tegata\/([^/]+)\/?(.*)$/.exec(specifier);
  if (tegata) {
    const layer = packageLayer(tegata[1], tegata[2]);
    return { layer, label: layer };
  }

  let rel;
  if (specifier.startsWith('.')) {
    rel = path.posix.normalize(path.posix.join(fileDir, specifier.replace(/[?#].*$/, '')));
  } else if (path.isAbsolute(specifier) || specifier.startsWith('/')) {
    rel = toPosix(path.relative(root, specifier));
  } else {
    // `fs`, `fs/promises`; a trailing slash (`punycode/`) asks for the npm package instead.
    if (!specifier.endsWith('/') && (BUILTINS.has(specifier) || BUILTINS.has(specifier.split('/')[0]))) {
      return { layer: NODE, label: NODE };
    }
    const pkg = packageName(specifier);
    return pkg === null ? null : { pkg };
  }
  rel = rel.replace(/\/$/, '');
  if (isOutside(rel)) return { layer: 'outside', label: 'a path outside the repository' };
  return layerOfTarget(rel) ?? { layer: rel, label: rel };
}

/**
 * The npm package a bare specifier names: `zod/v4` → `zod`, `@scope/pkg/sub` → `@scope/pkg`,
 * `punycode/` → `punycode`. Null for `#subpath` imports and URLs (`data:`, `virtual:`).
 */
function packageName(specifier) {
  if (specifier.startsWith('#') || /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(specifier)) return null;
  const segments = specifier.split('/');
  return specifier.startsWith('@') && segments.length > 1 ? `${segments[0]}/${segments[1]}` : segments[0];
}

function listing(items) {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** @type {import('eslint').Rule.RuleModule} */
export default {
  meta: {
    type: 'problem',
    docs: {
      description: "Enforce DESIGN.md's dependency rule between packages and terminal layers",
    },
    schema: [
      {
        type: 'object',
        properties: {
          root: { type: 'string', description: 'Absolute path of the repository root (default: ESLint cwd)' },
        },
        additionalProperties: false,
      },
    ],
    messages: {
      crossLayer: '{{zone}} may import only {{allowed}}; it imports {{target}} ({{specifier}})',
      package:
        '{{zone}} may not import the package {{pkg}} ({{specifier}}): it is not on the {{row}} row of PACKAGES in eslint/rules/layers.js, which allows {{allowed}}',
    },
  },

  create(context) {
    const root = path.resolve(context.options[0]?.root ?? context.cwd);
    const filename = path.resolve(context.cwd, context.physicalFilename ?? context.filename);
    const fileRel = toPosix(path.relative(root, filename));
    if (isOutside(fileRel)) return {};

    const zone = layerOfPath(fileRel);
    const rules = zone && MAY_IMPORT[zone.layer];
    if (!rules) return {};

    const isTest = TEST_FILE.test(fileRel) || /^[^/]+\/test\//.test(fileRel);
    const packageTest = `${fileRel.split('/')[0]}/test`;
    const ownTestLayer = LAYERS.some(([layer]) => layer === packageTest) ? [packageTest] : [];
    const allowed = isTest
      ? [...new Set([...rules, ...TESTS_MAY_ALSO_IMPORT, ...(TESTS_MAY_ALSO_IMPORT_BY_LAYER[zone.layer] ?? []), ...ownTestLayer])]
      : rules;
    const packages = [
      ...new Set([
        ...(PACKAGES[zone.layer] ?? []),
        ...(isTest ? [...TEST_PACKAGES, ...(TEST_PACKAGES_BY_LAYER[zone.layer] ?? [])] : []),
      ]),
    ];
    const zoneName = isTest && !zone.label.endsWith('/test') ? `${zone.label} tests` : zone.label;
    const fileDir = path.posix.dirname(fileRel);

    function check(sourceNode) {
      if (!sourceNode) return;
      let specifier;
      if (sourceNode.type === 'Literal' && typeof sourceNode.value === 'string') {
        specifier = sourceNode.value;
      } else if (sourceNode.type === 'TemplateLiteral' && sourceNode.expressions.length === 0) {
        specifier = sourceNode.quasis[0]?.value.cooked;
      }
      if (typeof specifier !== 'string' || specifier === '') return;

      const target = classifyTarget(specifier, fileDir, root);
      if (!target) return;
      if ('pkg' in target) {
        if (packages.includes(target.pkg)) return;
        context.report({
          node: sourceNode,
          messageId: 'package',
          data: {
            zone: zoneName,
            pkg: target.pkg,
            specifier,
            row: zone.layer,
            allowed: packages.length === 0 ? 'none' : listing(packages),
          },
        });
        return;
      }
      if (allowed.includes(target.layer)) return;
      context.report({
        node: sourceNode,
        messageId: 'crossLayer',
        data: { zone: zoneName, allowed: listing(allowed), target: target.label, specifier },
      });
    }

    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
      CallExpression(node) {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require') check(node.arguments[0]);
      },
      // TypeScript: `import x = require('…')` and `type T = import('…').T`.
      TSExternalModuleReference: (node) => check(node.expression),
      TSImportType(node) {
        if (node.source) return check(node.source);
        const arg = node.argument ?? node.parameter; // typescript-eslint before 8.x's `source`
        return check(arg?.type === 'TSLiteralType' ? arg.literal : arg);
      },
    };
  },
};
