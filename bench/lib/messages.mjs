/** The messages the scenarios send: the same content for every library. */

export const FROM = 'bench@bench.localhost';
export const TO = 'sink@bench.localhost';

// ASCII lines under 76 characters: every library can send it as 7bit, so no one pays for an encoding.
const LINE = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod te.\n';

/** A plain-text message of about `bytes` bytes once composed (headers included, ~350 bytes of them). */
export function smallMessage(index, bytes = 2048) {
  const lines = Math.max(1, Math.round((bytes - 350) / LINE.length));
  return { from: FROM, to: TO, subject: `bench message ${index}`, text: TEXT_CACHE(lines) };
}

const texts = new Map();
function TEXT_CACHE(lines) {
  let text = texts.get(lines);
  if (text === undefined) texts.set(lines, (text = LINE.repeat(lines)));
  return text;
}

export function recipients(count) {
  return Array.from({ length: count }, (_, i) => `rcpt-${i + 1}@bench.localhost`);
}

/** Scenario 5: text, html and one binary attachment held in memory. */
export function richMessage(index, attachment) {
  return {
    from: FROM,
    to: TO,
    subject: `compose bench ${index}`,
    text: LINE.repeat(14),
    html: `<html><body>${'<p>Lorem ipsum <b>dolor</b> sit amet, consectetur adipiscing elit.</p>\n'.repeat(28)}</body></html>`,
    attachments: [{ filename: 'data.bin', content: attachment }],
  };
}

/** Deterministic, incompressible-looking bytes (xorshift): attachments that no encoder can shortcut. */
export function pseudoRandom(size, seed = 1) {
  const out = Buffer.allocUnsafe(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 255;
  }
  return out;
}
