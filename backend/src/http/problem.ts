/**
 * RFC 9457 problem details, the body of every error the backend returns (PROTOCOL.md §8):
 * `application/problem+json` with a stable machine-readable `code` beside the human title.
 */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface Problem {
  type: string;
  title: string;
  status: number;
  /** Stable snake_case code clients branch on; titles and details may change. */
  code: string;
  detail?: string;
  [extension: string]: unknown;
}

const CODE = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;

export function problem(
  status: number,
  code: string,
  title: string,
  options: { detail?: string; extensions?: Record<string, unknown> } = {},
): Problem {
  if (!Number.isInteger(status) || status < 400 || status > 599) throw new RangeError(`not an error status: ${status}`);
  if (!CODE.test(code)) throw new RangeError(`problem codes are snake_case: ${code}`);
  const reserved = ['type', 'title', 'status', 'code', 'detail'];
  const extensions = Object.entries(options.extensions ?? {}).filter(([key]) => !reserved.includes(key));
  return {
    type: `https://tegata.dev/problems/${code.replaceAll('_', '-')}`,
    title,
    status,
    code,
    ...(options.detail === undefined ? {} : { detail: options.detail }),
    ...Object.fromEntries(extensions),
  };
}
