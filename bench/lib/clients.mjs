/**
 * One small adapter per library so every scenario drives mailwire, nodemailer and emailjs the same way:
 * `open(options)` returns `{ send(message), close() }`, where `message` is mailwire's shape
 * ({ from, to, subject, text, html, attachments: [{ filename, path | content }] }) and each adapter
 * translates it into its library's own shape. Nothing here is clever on purpose: every library gets the
 * options its documentation gives for the job, and nothing that would make one of them look better.
 */
import { Readable } from 'node:stream';
import { loadMailwire } from './mailwire.mjs';

export const LIBRARIES = ['mailwire', 'nodemailer', 'emailjs'];

/**
 * Not a library: mailwire's sendRaw() with one message composed before the clock starts, like smtp-source's
 * fixed message. It separates the session and pool from composing (scenarios 1 and 2 only).
 */
export const MAILWIRE_RAW = 'mailwire-raw';

/**
 * @param {'mailwire'|'nodemailer'|'emailjs'} library
 * @param {{ host: string, port: number, connections: number, maxMessages: number, maxMessageBytes?: number }} options
 */
export async function openClient(library, options) {
  if (library === 'mailwire') return openMailwire(options);
  if (library === MAILWIRE_RAW) return openMailwireRaw(options);
  if (library === 'nodemailer') return openNodemailer(options);
  if (library === 'emailjs') return openEmailjs(options);
  throw new Error(`unknown library ${library}`);
}

async function openMailwire({ host, port, connections, maxMessages, maxMessageBytes }) {
  const { createTransport } = await loadMailwire();
  const transport = createTransport({
    host,
    port,
    security: 'none',
    clientName: 'bench.localhost',
    pool: { maxConnections: connections, maxMessagesPerConnection: maxMessages },
    retry: { attempts: 1 },
    ...(maxMessageBytes ? { guards: { maxMessageBytes } } : {}),
  });
  return {
    transport,
    send: (message) => transport.send(message),
    close: () => transport.close(),
  };
}

async function openMailwireRaw(options) {
  const { composeToBuffer } = await loadMailwire();
  const client = await openMailwire(options);
  const { transport } = client;
  // Composed once (the first message) and reused: the figure is the session's, not the composer's. The
  // promise is cached, not the bytes: sends fired together must not each start a composition.
  const composed = new Map();
  return {
    send: async (message) => {
      let raw = composed.get(message.text);
      if (raw === undefined) composed.set(message.text, (raw = composeToBuffer(message)));
      return transport.sendRaw({ from: message.from, to: [message.to] }, await raw);
    },
    close: () => client.close(),
  };
}

async function openNodemailer({ host, port, connections, maxMessages }) {
  const nodemailer = (await import('nodemailer')).default;
  const transport = nodemailer.createTransport({
    pool: true,
    maxConnections: connections,
    maxMessages,
    host,
    port,
    secure: false,
    ignoreTLS: true,
    name: 'bench.localhost',
  });
  return {
    send: (message) => transport.sendMail(toNodemailer(message)),
    close: async () => transport.close(),
  };
}

function toNodemailer(message) {
  const { attachments, ...rest } = message;
  if (!attachments) return rest;
  return { ...rest, attachments: attachments.map((a) => ({ filename: a.filename, ...(a.path ? { path: a.path } : { content: a.content }) })) };
}

/**
 * emailjs has no pool: one SMTPClient is one connection with a queue. For N connections the bench opens N
 * clients and deals messages round-robin, which is what a user of emailjs would do.
 */
async function openEmailjs({ host, port, connections }) {
  const { SMTPClient } = await import('emailjs');
  const clients = Array.from({ length: connections }, () => new SMTPClient({ host, port, ssl: false, tls: false, domain: 'bench.localhost', timeout: 60_000 }));
  let next = 0;
  return {
    send: (message) => {
      const client = clients[next];
      next = (next + 1) % clients.length;
      return client.sendAsync(toEmailjs(message));
    },
    close: async () => {
      for (const client of clients) client.smtp.close();
    },
  };
}

export function toEmailjs(message) {
  const headers = { from: message.from, to: Array.isArray(message.to) ? message.to.join(', ') : message.to, subject: message.subject, text: message.text ?? '' };
  const attachment = [];
  if (message.html !== undefined) attachment.push({ data: message.html, alternative: true, contentType: 'text/html' });
  for (const a of message.attachments ?? []) {
    if (a.path) attachment.push({ path: a.path, type: 'application/octet-stream', name: a.filename });
    // emailjs takes binary content as a stream (its `data` is a string); a fresh stream per message.
    else attachment.push({ stream: Readable.from([a.content]), type: 'application/octet-stream', name: a.filename });
  }
  if (attachment.length > 0) headers.attachment = attachment;
  return headers;
}
