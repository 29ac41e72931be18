/** Reads a NAME.env that a servers.d/NAME-up.sh wrote beside ports.env (KEY=VALUE lines). */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { interopDir } from './harness.js';

export function readEnvFile(name: string, dir: string = interopDir()): Record<string, string> {
  const file = join(dir, `${name}.env`);
  if (!existsSync(file)) {
    throw new Error(`${file} is missing: start the interop servers as root with \`bash test/interop/servers-up.sh\` (it runs servers.d/${name}-up.sh)`);
  }
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m?.[1] !== undefined) out[m[1]] = m[2] ?? '';
  }
  return out;
}
