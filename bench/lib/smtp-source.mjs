/** Postfix's C load generator as the ceiling: `smtp-source -s SESSIONS -m MESSAGES -l BYTES -d`. */
import { spawn } from 'node:child_process';

/**
 * -d keeps each session open for the next message (like a pool); -s is the number of parallel sessions.
 * smtp-source does not pipeline: it waits for every reply, so it is a ceiling for the *process*, not for
 * the protocol.
 */
export function runSmtpSource(binary, { host, port, sessions, messages, size, timeoutMs }) {
  const args = ['-s', String(sessions), '-m', String(messages), '-l', String(size), '-d', '-M', 'bench.localhost', '-f', 'bench@bench.localhost', '-t', 'sink@bench.localhost', `${host}:${port}`];
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ ok: false, error: String(error.message) });
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - started;
      if (code === 0) resolve({ ok: true, ms, count: messages, errors: 0 });
      else resolve({ ok: false, error: `smtp-source exited ${code ?? signal}: ${stderr.trim().slice(0, 300)}` });
    });
  });
}
