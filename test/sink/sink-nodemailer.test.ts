/**
 * The sink driven by nodemailer, a client we did not write: plain, STARTTLS, implicit TLS, AUTH, and the
 * saved .eml files checked byte for byte.
 */

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSink, TEST_CERTIFICATE, type SinkOptions, type SinkServer, type SunkMessage } from '../../src/sink/index.js';

let sink: SinkServer | undefined;
let dir: string;
const transports: Array<{ close(): void }> = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailwire-sink-'));
});

afterEach(async () => {
  for (const t of transports.splice(0)) t.close();
  await sink?.close();
  sink = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function start(options: SinkOptions): Promise<SunkMessage[]> {
  const messages: SunkMessage[] = [];
  sink = await startSink({ onMessage: (m) => messages.push(m), ...options });
  return messages;
}

function transport(options: Record<string, unknown>): ReturnType<typeof nodemailer.createTransport> {
  const t = nodemailer.createTransport({
    host: '127.0.0.1',
    port: (sink as SinkServer).port,
    tls: { ca: TEST_CERTIFICATE, servername: 'localhost' },
    ...options,
  });
  transports.push(t);
  return t;
}

// Lines starting with dots, an empty line, 8-bit text: everything the transfer must carry unchanged.
const RAW = [
  'From: a@example.com',
  'To: b@example.com, c@example.com',
  'Subject: dots',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: 8bit',
  '',
  '.one leading dot',
  '..two leading dots',
  '.',
  'middle. dot. Grüße',
  '',
].join('\r\n');

describe('sink with nodemailer', () => {
  it('plain SMTP: saves <dir>/<timestamp>-<id>.eml with the exact bytes', async () => {
    const messages = await start({ dir });
    const t = transport({ secure: false, ignoreTLS: true });
    const info = await t.sendMail({ envelope: { from: 'a@example.com', to: ['b@example.com', 'c@example.com'] }, raw: RAW });
    expect(info.accepted).toEqual(['b@example.com', 'c@example.com']);
    expect(messages).toHaveLength(1);
    const m = messages[0] as SunkMessage;
    expect(m.raw).toBeUndefined();
    expect(m.path).toBe(join(dir, readdirSync(dir)[0] as string));
    expect(readdirSync(dir)).toEqual([expect.stringMatching(new RegExp(`^\\d{8}T\\d{9}Z-${m.id}\\.eml$`))]);
    // The 250 came after the file was complete, so it can be read right away.
    expect(readFileSync(m.path as string).toString('utf8')).toBe(RAW);
    expect(m).toMatchObject({ from: 'a@example.com', to: ['b@example.com', 'c@example.com'], secure: false, size: Buffer.byteLength(RAW) });
    expect(sink?.stats).toMatchObject({ messages: 1, bytes: Buffer.byteLength(RAW) });
  });

  it('STARTTLS + AUTH (requireTLS), trusting the bundled certificate', async () => {
    const messages = await start({ tls: true, requireTls: true, auth: { user: 'me', pass: 'pw' } });
    const t = transport({ secure: false, requireTLS: true, auth: { user: 'me', pass: 'pw' } });
    await expect(t.verify()).resolves.toBe(true);
    const info = await t.sendMail({ from: 'a@example.com', to: 'b@example.com', subject: 'tls', text: 'secret' });
    expect(info.response).toMatch(/^250 2\.0\.0 OK: queued as /);
    expect(messages[0]).toMatchObject({ secure: true, authUser: 'me' });
    expect(messages[0]?.raw?.toString()).toContain('secret');
  });

  it('implicit TLS + AUTH LOGIN', async () => {
    const messages = await start({ tls: true, implicitTls: true, auth: { user: 'me', pass: 'pw' } });
    const t = transport({ secure: true, auth: { user: 'me', pass: 'pw' }, authMethod: 'LOGIN' });
    await t.sendMail({ from: 'a@example.com', to: 'b@example.com', subject: 'tls', text: 'hello' });
    expect(messages[0]).toMatchObject({ secure: true, authUser: 'me' });
  });

  it('refuses a wrong password with 535 (nodemailer EAUTH)', async () => {
    await start({ tls: true, auth: { user: 'me', pass: 'pw' } });
    const t = transport({ secure: false, requireTLS: true, auth: { user: 'me', pass: 'wrong' } });
    await expect(t.sendMail({ from: 'a@example.com', to: 'b@example.com', text: 'x' })).rejects.toMatchObject({
      code: 'EAUTH',
      responseCode: 535,
    });
    expect(sink?.stats.messages).toBe(0);
  });

  it('reports partially refused recipients, and fails when all are refused', async () => {
    const messages = await start({ refuseRecipients: (a) => a.startsWith('no') });
    const t = transport({ secure: false, ignoreTLS: true });
    const info = await t.sendMail({ from: 'a@example.com', to: ['yes@example.com', 'no@example.com'], text: 'x' });
    expect(info.accepted).toEqual(['yes@example.com']);
    expect(info.rejected).toEqual(['no@example.com']);
    expect(messages[0]?.to).toEqual(['yes@example.com']);
    await expect(t.sendMail({ from: 'a@example.com', to: ['no@example.com'], text: 'x' })).rejects.toMatchObject({ code: 'EENVELOPE' });
  });

  it('streams a large message to disk and saves it intact', async () => {
    const messages = await start({ dir });
    const t = transport({ secure: false, ignoreTLS: true });
    // 3 MB of lines, some starting with a dot: past the in-memory threshold, so it goes through a write stream.
    const line = (i: number): string => `${i % 7 === 0 ? '.' : ''}${String(i).padStart(8, '0')} ${'x'.repeat(66)}\r\n`;
    const body = Array.from({ length: 40_000 }, (_, i) => line(i)).join('');
    const raw = `From: a@example.com\r\nTo: b@example.com\r\nSubject: big\r\n\r\n${body}`;
    await t.sendMail({ envelope: { from: 'a@example.com', to: ['b@example.com'] }, raw });
    const saved = readFileSync(messages[0]?.path as string);
    expect(saved.length).toBe(Buffer.byteLength(raw));
    expect(saved.equals(Buffer.from(raw))).toBe(true);
  });

  it('discard mode counts without keeping anything', async () => {
    const messages = await start({ discard: true, dir });
    const t = transport({ secure: false, ignoreTLS: true });
    await t.sendMail({ envelope: { from: 'a@example.com', to: ['b@example.com'] }, raw: RAW });
    expect(messages[0]?.raw).toBeUndefined();
    expect(messages[0]?.path).toBeUndefined();
    expect(messages[0]?.size).toBe(Buffer.byteLength(RAW));
    expect(readdirSync(dir)).toEqual([]);
  });
});
