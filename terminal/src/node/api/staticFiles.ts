import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { sendRefusal } from './requestGuards.js';

/** The built renderer's files. Anything else is `application/octet-stream` (and nosniff). */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.wav': 'audio/wav',
};

export function contentTypeFor(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** The renderer directory, resolved once so later containment checks compare real paths. */
export interface StaticSite {
  root: string;
}

export async function openStaticSite(dir: string): Promise<StaticSite> {
  const root = await realpath(dir);
  if (!(await stat(root)).isDirectory()) throw new Error(`staticDir is not a directory: ${dir}`);
  return { root };
}

/**
 * Splits a raw request path into decoded segments, or says why not. `..` and `.` are refused
 * however they are spelt (`%2e%2e`, `%2E.`), as are separators smuggled inside a segment
 * (`%2f`, `\`) and NUL; the caller still checks the resolved path is inside the root.
 */
function segmentsOf(rawPath: string): string[] | 'bad' {
  const segments: string[] = [];
  for (const raw of rawPath.split('/').slice(1)) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return 'bad';
    }
    if (segment === '.' || segment === '..' || /[/\\\0]/.test(segment)) return 'bad';
    segments.push(segment);
  }
  return segments;
}

const notFound = (res: ServerResponse): void =>
  sendRefusal(res, { status: 404, code: 'not_found', message: 'not found' });

/**
 * Serves one file of the site: `/` is index.html; a directory, a dotfile, a symlink out of the
 * root or anything missing is 404. No listings.
 */
export async function serveStatic(
  req: IncomingMessage,
  res: ServerResponse,
  rawPath: string,
  site: StaticSite,
  htmlPolicy: string,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return sendRefusal(res, { status: 405, code: 'method_not_allowed', message: 'use GET' }, { Allow: 'GET, HEAD' });
  }
  const segments = segmentsOf(rawPath === '/' ? '/index.html' : rawPath);
  if (segments === 'bad') {
    return sendRefusal(res, { status: 400, code: 'bad_request', message: 'bad path' });
  }
  if (segments.some((segment) => segment === '' || segment.startsWith('.'))) return notFound(res);

  let file: string;
  let size: number;
  try {
    file = await realpath(path.join(site.root, ...segments));
    const info = await stat(file);
    if (!file.startsWith(site.root + path.sep) || !info.isFile()) return notFound(res);
    size = info.size;
  } catch {
    return notFound(res);
  }

  const type = contentTypeFor(file);
  res.statusCode = 200;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', size);
  if (type.startsWith('text/html')) {
    res.setHeader('Content-Security-Policy', htmlPolicy);
  } else {
    // Built assets may be cached, but must be revalidated: a rebuilt renderer shows at once.
    res.setHeader('Cache-Control', 'no-cache');
  }
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
