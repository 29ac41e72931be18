/**
 * A hostile server chooses the text of its replies. Through the built CLI, as a user runs it, terminal
 * control sequences in that text must be shown escaped, never written to the terminal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scriptedServer, type ScriptedServer } from '../helpers/scripted-server.js';
import { buildCli, runCli, type Built } from './cli-harness.js';

let built: Built;
let server: ScriptedServer;
// ESC ] 0 ; retitles the terminal, ESC [ 2 J clears it, a bare CR overwrites the line, 0x9b is a C1 CSI.
const EVIL = 'evil\x1b]0;pwned\x07 \x1b[2J\rfake ok \u009b31m';

beforeAll(async () => {
  built = await buildCli();
  server = await scriptedServer([
    { s: `220-${EVIL}` },
    { s: '220 mx.test' },
    { c: /^EHLO / },
    { s: `250-mx.test ${EVIL}` },
    { s: '250 PIPELINING' },
    { c: 'NOOP' },
    { s: '250 ok' },
    { c: 'QUIT' },
    { s: `221 ${EVIL}` },
  ]);
});

afterAll(async () => {
  await server?.close();
});

describe('server text reaching the terminal', () => {
  it('probe shows control characters from the server escaped', async () => {
    const r = await runCli(built, ['probe', `127.0.0.1:${server.port}`, '--security', 'none', '--transcript']);
    const output = r.stdout + r.stderr;
    expect(output).toContain('evil');
    expect(output).not.toMatch(/[\x1b\x07\r\x9b]/);
    expect(output).toContain('\\x1b]0;pwned\\x07');
  });
});
