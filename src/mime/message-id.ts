/**
 * Generated Message-IDs, "<uuid-v4@domain>": the domain part is checked once per domain (the same sender
 * domain comes back message after message), and each id is written into a template of that domain and
 * read out as one string, instead of a UUID string, a joined id, a check of every character and a
 * bracketed copy per message. The UUIDs are version 4 from node:crypto's CSPRNG, drawn in batches as
 * randomUUID() draws them.
 */
import { randomFillSync, randomUUID } from 'node:crypto';
import { normalizeMessageId } from '../guards/ids.js';

const BATCH = 16 * 128;
const random = Buffer.alloc(BATCH);
let used = BATCH;

const HEX = Buffer.from('0123456789abcdef', 'latin1');
/** Where each of the 16 bytes goes in "<xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx@": after the "<" and around the dashes. */
const AT = [1, 3, 5, 7, 10, 12, 15, 17, 20, 22, 25, 27, 29, 31, 33, 35];

let domain: string | undefined;
let template = Buffer.alloc(0);

/** "<uuid@idDomain>"; throws EGUARD (field "hostname") when idDomain cannot be the right side of a msg-id. */
export function generateMessageId(idDomain: string): string {
  if (idDomain !== domain) {
    // Checked as the whole id would be (a UUID half always passes, so the domain decides), and refused
    // with the same message.
    const checked = normalizeMessageId(`${randomUUID()}@${idDomain}`, 'hostname');
    template = Buffer.from(checked, 'latin1');
    domain = idDomain;
  }
  if (used === BATCH) {
    randomFillSync(random);
    used = 0;
  }
  for (let i = 0; i < 16; i++) {
    let b = random[used + i] as number;
    if (i === 6) b = (b & 0x0f) | 0x40; // version 4
    else if (i === 8) b = (b & 0x3f) | 0x80; // RFC 4122 variant
    const at = AT[i] as number;
    template[at] = HEX[b >> 4] as number;
    template[at + 1] = HEX[b & 15] as number;
  }
  used += 16;
  return template.toString('latin1');
}
