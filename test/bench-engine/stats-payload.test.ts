import { describe, expect, it } from 'vitest';
import { LatencyRecorder, addCounts, summarize } from '../../src/bench-engine/stats.js';
import { makePayload } from '../../src/bench-engine/payload.js';

describe('latency statistics', () => {
  it('nearest-rank percentiles over all parts', () => {
    const a = new LatencyRecorder();
    const b = new LatencyRecorder();
    for (let i = 1; i <= 60; i++) a.record(i);
    for (let i = 61; i <= 100; i++) b.record(i);
    expect(a.length).toBe(60);
    expect(summarize([a.toArray(), b.toArray()])).toEqual({ min: 1, mean: 50.5, p50: 50, p95: 95, p99: 99, max: 100 });
  });

  it('grows past its initial capacity and sorts numerically', () => {
    const r = new LatencyRecorder();
    for (let i = 5000; i >= 1; i--) r.record(i / 10);
    const s = summarize([r.toArray()]);
    expect(s).toMatchObject({ min: 0.1, p50: 250, max: 500 });
  });

  it('no samples: null; counts merge by key', () => {
    expect(summarize([new Float64Array(0)])).toBeNull();
    const into = { EAUTH: 1 };
    addCounts(into, { EAUTH: 2, ETLS: 1 });
    expect(into).toEqual({ EAUTH: 3, ETLS: 1 });
  });
});

describe('bench payload', () => {
  it.each([1, 300, 1024, 4096, 100_000])('size %i: CRLF only, short lines, no leading dots, close to the size asked', (size) => {
    const p = makePayload(size, 'from@example.test', 3, 'example.test');
    expect(p.envelope).toEqual({ from: 'from@example.test', to: ['rcpt1@example.test', 'rcpt2@example.test', 'rcpt3@example.test'] });
    const message = p.message(7);
    const text = message.toString('latin1');
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect(text.endsWith('\r\n')).toBe(true);
    for (const line of text.split('\r\n')) {
      expect(line.length).toBeLessThanOrEqual(78);
      expect(line.startsWith('.')).toBe(false);
    }
    expect(text).toContain('Message-ID: <000000000007.');
    expect(text).toContain('Subject: mailwire bench 000000000007\r\n');
    if (size > 400) expect(message.byteLength).toBe(size);
  });

  it('a slot becomes message n in place: the same bytes as message(n), in the same buffer every time', () => {
    const p = makePayload(2202, 'f@example.test', 1, 'example.test');
    const slot = p.slot();
    const buffer = slot.bytes;
    for (const n of [1, 42, 999_999_999_999, 7]) {
      slot.set(n);
      expect(slot.bytes).toBe(buffer);
      expect(slot.bytes.equals(p.message(n))).toBe(true);
    }
    expect(p.slot().bytes).not.toBe(buffer);
  });

  it('every message has its own Message-ID', () => {
    const p = makePayload(512, 'f@example.test', 1, 'example.test');
    const ids = new Set([1, 2, 3, 1000000].map((n) => /Message-ID: (\S+)/.exec(p.message(n).toString())?.[1]));
    expect(ids.size).toBe(4);
  });
});
