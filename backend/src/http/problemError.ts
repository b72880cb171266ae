import { problem, type Problem } from './problem.js';

/** Thrown by handlers and hooks; the error handler answers it as application/problem+json. */
export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(`${problem.status} ${problem.code}: ${problem.title}`);
    this.name = 'ProblemError';
  }

  static of(
    status: number,
    code: string,
    title: string,
    options: { detail?: string; extensions?: Record<string, unknown> } = {},
  ): ProblemError {
    return new ProblemError(problem(status, code, title, options));
  }
}

export const notFound = (what: string): ProblemError => ProblemError.of(404, 'not_found', `${what} not found`);
