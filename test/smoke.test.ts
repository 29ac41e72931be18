import { describe, it, expect } from 'vitest';
import { SmtpError } from '../src/errors.js';
describe('smoke', () => { it('brands', () => { expect(SmtpError.is(new SmtpError('EAUTH', 'x'))).toBe(true); }); });
