/** Driving the domain layer the way the HTTP routes do, with the answer as a status (fast adversarial runs). */
import { ProblemError } from '../../src/http/problemError.js';

export interface Outcome<T> {
  status: number;
  code?: string;
  retryAfterSeconds?: number;
  /** Problem extensions such as `attemptsLeft`. */
  problem?: Record<string, unknown>;
  value?: T;
}

export async function outcome<T>(work: Promise<T>): Promise<Outcome<T>> {
  try {
    return { status: 200, value: await work };
  } catch (error) {
    if (!(error instanceof ProblemError)) throw error;
    const retry = error.problem.retryAfterSeconds;
    return {
      status: error.problem.status,
      code: error.problem.code,
      problem: error.problem,
      ...(typeof retry === 'number' ? { retryAfterSeconds: retry } : {}),
    };
  }
}
