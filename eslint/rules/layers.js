/**
 * tegata/layers: DESIGN.md's dependency rule, executable.
 *
 * Every import, re-export, dynamic import(), require() and TS `import x = require()` is
 * classified by the layer it comes from and the layer it reaches; a file in a zone below may
 * import only what its row lists. Third-party packages are allowed everywhere (the per-layer
 * tsconfigs keep DOM and Node types where they belong); node builtins and electron are layers
 * of their own so the pure layers cannot reach them.
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
 * `{ layer, label }`, or null for a third-party package (always allowed).
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
    return null; // third-party (or a `#subpath` import, resolved by the package itself)
  }
  rel = rel.replace(/\/$/, '');
  if (isOutside(rel)) return { layer: 'outside', label: 'a path outside the repository' };
  return layerOfTarget(rel) ?? { layer: rel, label: rel };
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
      if (!target || allowed.includes(target.layer)) return;
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
