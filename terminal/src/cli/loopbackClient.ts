import WebSocket from 'ws';
import type { TerminalApi, TerminalEvent } from '../shared/contracts/terminalApi.js';
import { createApi } from '../shared/contracts/apiTransport.js';
import type { ServeInfo } from './cliSupport.js';

/** The typed API of a running `tegata-terminal serve`, through its loopback HTTP API. */
export function serveApi(info: ServeInfo): TerminalApi {
  return createApi(async (method, input) => {
    const response = await fetch(`http://127.0.0.1:${info.port}/api/${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${info.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
    const answer: unknown = await response.json();
    return answer;
  });
}

/** Subscribes to a running `serve`'s events; resolves once the socket is open and greeted. */
export function subscribeServe(info: ServeInfo, listener: (event: TerminalEvent) => void): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${info.port}/api/events`);
    socket.on('open', () => {
      socket.send(JSON.stringify({ type: 'hello', token: info.token }));
      resolve(() => socket.close());
    });
    socket.on('message', (data: WebSocket.RawData) => {
      const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(new Uint8Array(data)).toString('utf8');
      listener(JSON.parse(text) as TerminalEvent);
    });
    socket.on('error', reject);
  });
}
