/** The OpenAPI 3.1 document, generated from the routes' zod schemas (JSON Schema 2020-12). */
import { z } from 'zod';
import type { AnyRoute } from './route.js';

const PROBLEM_SCHEMA = {
  type: 'object',
  description: 'RFC 9457 problem details with a stable code',
  required: ['type', 'title', 'status', 'code'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string', pattern: '^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$' },
    detail: { type: 'string' },
  },
  additionalProperties: true,
};

type JsonSchema = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

/** Query and path parameters come from an object schema's members. */
function parametersOf(schema: z.ZodType | undefined, where: 'query' | 'path'): JsonSchema[] {
  if (schema === undefined) return [];
  const object = schemaOf(schema, 'input');
  const properties = (object.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((object.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
    schema: property,
  }));
}

const SECURITY: Record<AnyRoute['auth'], JsonSchema[] | undefined> = {
  none: undefined,
  admin: [{ adminBearer: [] }],
  terminal: [{ terminalSignature: [] }],
  terminal_even_revoked: [{ terminalSignature: [] }],
  session: [{ sessionBearer: [] }],
  session_full: [{ sessionBearer: [] }],
  device: [{ deviceSignature: [] }],
  session_or_device: [{ sessionBearer: [] }, { deviceSignature: [] }],
};

export function buildOpenApiDocument(routes: readonly AnyRoute[], version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const path = route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const responses: Record<string, JsonSchema> = {};
    for (const [status, response] of Object.entries(route.responses)) {
      const media = response.contentType ?? 'application/json';
      responses[status] = {
        description: response.description,
        ...(response.schema === undefined && response.contentType === undefined
          ? {}
          : { content: { [media]: { schema: response.schema === undefined ? { type: 'string' } : schemaOf(response.schema, 'output') } } }),
      };
    }
    responses.default = {
      description: `Error${route.problems === undefined ? '' : ` (codes include ${route.problems.join(', ')})`}`,
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    };
    const security = SECURITY[route.auth];
    const operation: JsonSchema = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [...route.tags],
      parameters: [...parametersOf(route.params, 'path'), ...parametersOf(route.query, 'query')],
      responses,
      ...(security === undefined ? {} : { security }),
      ...(route.body === undefined
        ? {}
        : { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(route.body, 'input') } } } }),
    };
    (paths[path] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tegata backend',
      version,
      description: 'PROTOCOL.md §8. Terminal routes are signed requests (§6): headers Tegata-Terminal, Tegata-Timestamp and Tegata-Signature.',
    },
    paths,
    components: {
      schemas: { Problem: PROBLEM_SCHEMA },
      securitySchemes: {
        adminBearer: { type: 'http', scheme: 'bearer', description: 'The admin token (TEGATA_ADMIN_TOKEN)' },
        sessionBearer: { type: 'http', scheme: 'bearer', description: 'A customer session token (POST /v1/sessions/verify)' },
        deviceSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'Tegata-Signature',
          description: 'Ed25519 signature of the request by the bound device key, with Tegata-Device and Tegata-Timestamp (PROTOCOL.md §6)',
        },
        terminalSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'Tegata-Signature',
          description: 'Ed25519 signature of the request by the terminal key (PROTOCOL.md §6)',
        },
      },
    },
  };
}
