/** What the server adds to every Fastify request. */
import type { Terminal } from '../db/schema.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body bytes exactly as received (signed requests hash them). */
    rawBody: Buffer | null;
    /** Set on terminal routes once the signature verified. */
    terminal: Terminal | null;
  }
}

export {};
