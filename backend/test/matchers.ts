/** Asymmetric matchers typed as unknown (vitest types them any, which the lint rules refuse). */
import { expect } from 'vitest';

export const anyString = (): unknown => expect.any(String);
export const anyNumber = (): unknown => expect.any(Number);
export const matching = (pattern: RegExp): unknown => expect.stringMatching(pattern);
export const containing = (items: unknown[]): unknown => expect.arrayContaining(items);
export const like = (shape: Record<string, unknown>): unknown => expect.objectContaining(shape);
