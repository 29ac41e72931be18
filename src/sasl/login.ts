/**
 * LOGIN (draft-murchison-sasl-login): no initial response; the server prompts "Username:" then
 * "Password:" and the client answers each. Never standardised, but every Microsoft and many legacy
 * servers speak it. Like PLAIN, it sends the password in the clear.
 *
 * Which field to send is decided by the prompt text when it is one of the well-known prompts (so a server
 * that asks in an unusual order still gets the right answer), otherwise by order: first the user, then the
 * password. Values are UTF-8.
 */

import type { SaslCredentials, SaslMechanism } from './mechanism.js';
import { authError, quoteServerText, requirePassword, requireUser } from './mechanism.js';

// Enough for user + password plus one re-prompt; a server that keeps prompting is looping, not authenticating.
const MAX_CHALLENGES = 4;

export class LoginMechanism implements SaslMechanism {
  readonly name = 'LOGIN';
  readonly #user: string;
  readonly #pass: string;
  #sentUser = false;
  #sentPass = false;
  #challenges = 0;

  constructor(credentials: SaslCredentials) {
    this.#user = requireUser(credentials, 'LOGIN');
    this.#pass = requirePassword(credentials, 'LOGIN');
  }

  async start(): Promise<undefined> {
    return undefined;
  }

  async next(challenge: Buffer): Promise<Buffer> {
    this.#challenges += 1;
    if (this.#challenges > MAX_CHALLENGES) {
      throw authError(`LOGIN: the server keeps prompting (${quoteServerText(challenge, [this.#pass])}); giving up`);
    }
    let field = promptField(challenge);
    if (field === undefined) {
      if (!this.#sentUser) field = 'user';
      else if (!this.#sentPass) field = 'pass';
      else throw authError(`LOGIN: unexpected challenge ${quoteServerText(challenge, [this.#pass])} after user and password`);
    }
    if (field === 'user') {
      this.#sentUser = true;
      return Buffer.from(this.#user, 'utf8');
    }
    this.#sentPass = true;
    return Buffer.from(this.#pass, 'utf8');
  }

  finish(_successData: Buffer | undefined): void {
    // Nothing to verify: LOGIN has no server authentication.
  }
}

/** 'user' / 'pass' for the well-known prompts (case, spacing and trailing colon vary by server). */
function promptField(challenge: Buffer): 'user' | 'pass' | undefined {
  const text = challenge.toString('utf8').trim().toLowerCase().replace(/\0+$/, '');
  if (/^user\s?name:?$/.test(text)) return 'user';
  if (/^password:?$/.test(text)) return 'pass';
  return undefined;
}
