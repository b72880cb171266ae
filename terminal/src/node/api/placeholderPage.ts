import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendRefusal } from './requestGuards.js';

/**
 * What the register's URL shows until the cashier screen (the renderer) is built: what this is
 * and where to go. Static text, no script, no data from the register, so it is served without
 * the token — but only after the Host/Origin checks, only at `/`, only to GET and HEAD.
 */
export const PLACEHOLDER_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Tegata register</title></head>
<body>
<h1>Tegata register</h1>
<p>The register is running, but its cashier screen is not built yet: it arrives in a later release.
This address serves the register's API (<code>/api/&lt;method&gt;</code>, with the token printed by
<code>tegata-terminal serve</code>) for that screen and for scripts.</p>
<p>Until then, use the command line:</p>
<ul>
<li><code>tegata-terminal status</code> — online or offline, what waits to sync, closed gates</li>
<li><code>tegata-terminal sale --amount 500 --currency 392 --token -</code> — a sale with a payment code from standard input (or from a scanner without <code>--token</code>)</li>
<li><code>tegata-terminal history</code> — today's sales</li>
<li><code>tegata-terminal --help</code> — every command</li>
</ul>
</body>
</html>
`;

export function servePlaceholderPage(req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return sendRefusal(res, { status: 405, code: 'method_not_allowed', message: 'use GET' }, { Allow: 'GET, HEAD' });
  }
  res.statusCode = 200;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(PLACEHOLDER_PAGE));
  res.end(req.method === 'HEAD' ? undefined : PLACEHOLDER_PAGE);
}
