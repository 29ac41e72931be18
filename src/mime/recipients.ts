/**
 * The message's address fields -> validated header items and the SMTP envelope.
 *
 * Every address goes through the envelope-address guard (one address, no smuggling, IDN to A-labels);
 * display names through the control-character guard. Bcc is envelope-only. The envelope sender is
 * `envelope.from`, else Sender, else From; recipients are `envelope.to`, else To + Cc + Bcc, de-duplicated.
 */

import { SmtpError, guardError } from '../errors.js';
import { normalizeAddress } from '../guards/address.js';
import type { ResolvedLimits } from '../guards/limits.js';
import { assertNoControls } from '../guards/text.js';
import { parseAddressItems, type AddressItem, type Mailbox } from './address.js';
import { cachedItems, keepItems } from './address-cache.js';
import type { AddressInput, AddressListInput, MailMessage } from './message.js';

export interface ResolvedRecipients {
  from: Mailbox;
  sender: Mailbox | undefined;
  /** These lists (and their items) may be shared with other messages: read them, never write to them. */
  to: readonly AddressItem[];
  cc: readonly AddressItem[];
  replyTo: readonly AddressItem[];
  envelope: { from: string; to: string[] };
  /** Some address has a non-ASCII local part (only possible with smtpUtf8). */
  utf8: boolean;
}

type MailboxItem = Extract<AddressItem, { kind: 'mailbox' }>;

interface Ctx {
  smtpUtf8: boolean;
  utf8: boolean;
}

/** A mailbox item: every one is built by this function, so they all share one object shape. */
function mailbox(name: string, address: string, field: string, ctx: Ctx): MailboxItem {
  assertNoControls(name, `${field}.name`);
  if (name.length > 998) throw guardError(`${field}.name: longer than 998 characters`);
  const n = normalizeAddress(address, field, { smtpUtf8: ctx.smtpUtf8 });
  if (n.utf8) ctx.utf8 = true;
  return { kind: 'mailbox', name, address: n.address };
}

function parseString(input: string, field: string): AddressItem[] {
  assertNoControls(input, field);
  try {
    return parseAddressItems(input);
  } catch (err) {
    if (err instanceof SmtpError) throw guardError(`${field}: ${err.message}`);
    throw err;
  }
}

/**
 * A bare addr-spec of atext, dots and a host name: what most callers pass. The list parser would return it
 * as one mailbox without a name (the address tests pin that down), so it is skipped; the address guard
 * still checks every character.
 */
const BARE_ADDRESS = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+$/;

function readOne(input: AddressInput, field: string, ctx: Ctx): readonly AddressItem[] {
  if (typeof input === 'string') {
    // The same strings come back message after message (a sender, a list): what one of them parsed and
    // normalised to is kept, keyed by the whole string, so it is checked once, not per message.
    const known = cachedItems(input, ctx.smtpUtf8);
    if (known !== undefined) {
      if (known.utf8) ctx.utf8 = true;
      return known.items;
    }
    const before = ctx.utf8;
    ctx.utf8 = false;
    const items = parseOne(input, field, ctx);
    keepItems(input, items, ctx.utf8);
    ctx.utf8 ||= before;
    return items;
  }
  if (typeof input === 'object' && input !== null && typeof input.address === 'string') {
    const name = input.name ?? '';
    if (typeof name !== 'string') throw guardError(`${field}.name: expected a string`);
    return [mailbox(name, input.address, `${field}.address`, ctx)];
  }
  throw guardError(`${field}: expected an address string or { name, address }`);
}

function parseOne(input: string, field: string, ctx: Ctx): AddressItem[] {
  if (BARE_ADDRESS.test(input)) return [mailbox('', input, field, ctx)];
  const items = parseString(input, field);
  return items.map((item, i) => {
    // "a@x, bad@@x" names the second address: to[1], not to.
    const where = items.length > 1 ? `${field}[${i}]` : field;
    if (item.kind === 'mailbox') return mailbox(item.name, item.address, where, ctx);
    assertNoControls(item.name, `${where}.group`);
    return { kind: 'group', name: item.name, members: item.members.map((m, j) => mailbox(m.name, m.address, `${where}[${i}].members[${j}]`, ctx)) };
  });
}

/** Shared and never written to: most messages have no Cc, Bcc or Reply-To. */
const NONE: readonly AddressItem[] = Object.freeze([]);

function readList(input: AddressListInput | undefined, field: string, ctx: Ctx): readonly AddressItem[] {
  if (input === undefined || input === null) return NONE;
  if (Array.isArray(input)) return input.flatMap((one, i) => readOne(one, `${field}[${i}]`, ctx));
  return readOne(input, field, ctx);
}

function single(input: AddressInput, field: string, ctx: Ctx): Mailbox {
  const items = readOne(input, field, ctx);
  const [first] = items;
  if (items.length !== 1 || first === undefined || first.kind !== 'mailbox') throw guardError(`${field}: expected exactly one address`);
  return first;
}

/** Appends the bare addresses of `items` (group members included) to `out`. */
function flatten(items: readonly AddressItem[], out: string[] = []): string[] {
  for (const item of items) {
    if (item.kind === 'mailbox') out.push(item.address);
    else for (const m of item.members) out.push(m.address);
  }
  return out;
}

export function resolveRecipients(
  message: MailMessage,
  defaultFrom: AddressInput | undefined,
  smtpUtf8: boolean,
  limits: ResolvedLimits,
): ResolvedRecipients {
  const ctx: Ctx = { smtpUtf8, utf8: false };
  const fromInput = message.from ?? defaultFrom;
  if (fromInput === undefined) throw guardError('from: a sender address is required');
  const from = single(fromInput, 'from', ctx);
  const sender = message.sender === undefined ? undefined : single(message.sender, 'sender', ctx);
  const to = readList(message.to, 'to', ctx);
  const cc = readList(message.cc, 'cc', ctx);
  const bcc = readList(message.bcc, 'bcc', ctx);
  const replyTo = readList(message.replyTo, 'replyTo', ctx);

  let envFrom = (sender ?? from).address;
  const [first] = to;
  // One recipient in To and nobody else, the usual case: no list to collect them in.
  let exact = to.length === 1 && first?.kind === 'mailbox' && cc.length === 0 && bcc.length === 0;
  let envTo = exact && first?.kind === 'mailbox' ? [first.address] : flatten(bcc, flatten(cc, flatten(to)));
  const env = message.envelope;
  if (env !== undefined) {
    if (typeof env !== 'object' || env === null) throw guardError('envelope: expected an object');
    if (env.from !== undefined) {
      if (typeof env.from !== 'string') throw guardError('envelope.from: expected a string');
      // The null reverse-path <> is legitimate (bounces, auto-replies).
      envFrom = env.from === '' ? '' : mailbox('', env.from, 'envelope.from', ctx).address;
    }
    if (env.to !== undefined) {
      const list = Array.isArray(env.to) ? env.to : [env.to];
      exact = false;
      envTo = list.flatMap((s, i) => {
        if (typeof s !== 'string') throw guardError(`envelope.to[${i}]: expected a string`);
        return flatten(parseString(s, `envelope.to[${i}]`)).map((a) => mailbox('', a, `envelope.to[${i}]`, ctx).address);
      });
    }
  }
  // A new array of the exact size: one built by push() keeps room for 17 (V8's first growth step), and a
  // send's result keeps this array (envelope.to) for as long as the caller keeps the result.
  const unique = envTo.length === 1 ? (exact ? envTo : [envTo[0] as string]) : [...new Set(envTo)];
  if (unique.length === 0) throw guardError('to: at least one recipient (to, cc, bcc or envelope.to) is required');
  if (unique.length > limits.maxRecipients) throw guardError(`to: more than ${limits.maxRecipients} recipients`);
  return { from, sender, to, cc, replyTo, envelope: { from: envFrom, to: unique }, utf8: ctx.utf8 };
}
