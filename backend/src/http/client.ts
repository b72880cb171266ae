import type { FastifyRequest } from 'fastify';
import type { ClientInfo } from '../domain/accounts/throttle.js';

/** The client's address (from X-Forwarded-For only through a trusted proxy) and user agent, as domain code takes them. */
export function clientOf(request: FastifyRequest): ClientInfo {
  const agent = request.headers['user-agent'];
  return { ip: request.ip, userAgent: typeof agent === 'string' ? agent.slice(0, 200) : '' };
}
