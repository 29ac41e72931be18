/** signDkim for sendRaw users: a Buffer in, a Buffer out; a Readable in, a Readable over a private spool file out. */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { signDkim } from '../../src/index.js';
import { rejection } from '../helpers/expect-error.js';
import { ed25519Key } from './keys.js';
import { useOwnTmpdir } from '../helpers/own-tmpdir.js';

const ed = ed25519Key();
const dkim = { domain: 'example.com', selector: 'ed', privateKey: ed.pem };
const raw = Buffer.from('From: a@example.com\r\nTo: b@example.net\r\nSubject: s\r\n\r\nbody\r\n');

const tmp = useOwnTmpdir('mw-dkim-raw-');
const ownTmp = tmp.dir;
const spools = (): string[] => tmp.entries('mailwire-dkim-');
const read = async (r: Readable): Promise<Buffer> => {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
};

describe('signDkim', () => {
  it('a Buffer: the signature fields, then the message unchanged', async () => {
    const signed = await signDkim(raw, dkim);
    expect(Buffer.isBuffer(signed)).toBe(true);
    expect(signed.toString('latin1')).toMatch(/^DKIM-Signature: v=1; a=ed25519-sha256;[^]*\r\n b=[A-Za-z0-9+/=\r\n ]+\r\nFrom: a@example\.com/);
    expect(signed.subarray(signed.length - raw.length).equals(raw)).toBe(true);
  });

  it('a Readable: the same bytes as for the Buffer; the spool is private while it exists and removed at the end', async () => {
    const fromBuffer = await signDkim(raw, dkim);
    const out = await signDkim(Readable.from([raw.subarray(0, 7), raw.subarray(7)]), dkim);
    const [dir] = spools();
    expect(dir).toBeDefined();
    expect(statSync(join(ownTmp, dir!)).mode & 0o777).toBe(0o700);
    expect(statSync(join(ownTmp, dir!, 'message.eml')).mode & 0o777).toBe(0o600);
    expect((await read(out)).equals(fromBuffer)).toBe(true);
    for (let i = 0; i < 100 && spools().length > 0; i += 1) await new Promise((r) => setTimeout(r, 20));
    expect(spools()).toEqual([]);
  });

  it('a Readable destroyed before it is read removes the spool too', async () => {
    const out = await signDkim(Readable.from([raw]), dkim);
    expect(spools()).toHaveLength(1);
    out.destroy();
    // Removal is asynchronous (fs.rm after the stream's close): wait for it, bounded, instead of a fixed
    // delay that a loaded machine can overrun.
    for (let i = 0; i < 100 && spools().length > 0; i += 1) await new Promise((r) => setTimeout(r, 20));
    expect(spools()).toEqual([]);
  });

  it('a source that fails: the error, and no spool left', async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error('disk gone'));
      },
    });
    await expect(signDkim(failing, dkim)).rejects.toThrow('disk gone');
    expect(spools()).toEqual([]);
  });

  it('a message without From cannot be signed (EGUARD); a From outside the domain neither', async () => {
    expect((await rejection(signDkim(Buffer.from('To: b@example.net\r\n\r\nx\r\n'), dkim))).code).toBe('EGUARD');
    expect((await rejection(signDkim(Buffer.from('From: "x@example.com" <a@evil.example>\r\n\r\nx\r\n'), dkim))).message).toMatch(/"evil\.example"/);
  });
});
