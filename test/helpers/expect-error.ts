/** Shared by the tests: a promise (or function) that must fail, and fail with an SmtpError. */
import { expect } from 'vitest';
import { SmtpError } from '../../src/errors.js';

export async function rejection(p: Promise<unknown> | (() => unknown)): Promise<SmtpError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (error) {
    expect(SmtpError.is(error), `expected an SmtpError, got ${String(error)}`).toBe(true);
    return error as SmtpError;
  }
  throw new Error('expected a failure');
}
