#!/usr/bin/env node
/**
 * Keeps the import graph of src/ the shape ARCHITECTURE.md describes: every room imports only the rooms
 * below it (ALLOWED), and no two files import each other, however long the way round. Prints each breach
 * and exits 1; prints a one-line summary and exits 0 when there is none. Run by CI and by npm test.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src');

/** Which rooms each room may import. A room is a folder of src/ (or a file at its top, without .ts). */
export const ALLOWED = {
  errors: [],
  // Finds the package's own files at run time (bundled code cannot use paths relative to its own file).
  'package-root': [],
  // One abort listener per caller signal, shared by every layer a send waits in (src/abort/fanout.ts): it
  // imports nothing, and every room that honours a caller's signal (tls, dkim, connection, proxy, pool,
  // transport and the rooms above them) may import it. Not in protocol, which stays pure.
  abort: [],
  protocol: ['errors'],
  sasl: ['errors', 'protocol'],
  tls: ['errors', 'abort', 'protocol'],
  guards: ['errors', 'protocol'],
  mime: ['errors', 'guards', 'protocol'],
  dkim: ['errors', 'abort', 'guards', 'mime', 'protocol'],
  connection: ['errors', 'abort', 'protocol', 'sasl', 'tls', 'guards'],
  proxy: ['errors', 'abort', 'tls', 'guards'],
  pool: ['errors', 'abort', 'connection', 'protocol', 'tls'],
  transport: ['errors', 'abort', 'protocol', 'sasl', 'tls', 'guards', 'mime', 'dkim', 'connection', 'pool', 'proxy'],
  sink: ['errors', 'protocol', 'tls'],
  audit: ['errors', 'abort', 'protocol', 'sasl', 'tls', 'guards', 'mime', 'connection', 'transport'],
  'bench-engine': ['package-root', 'errors', 'abort', 'protocol', 'sasl', 'tls', 'guards', 'mime', 'connection', 'pool', 'transport'],
  compat: ['errors', 'abort', 'protocol', 'sasl', 'tls', 'guards', 'mime', 'dkim', 'connection', 'pool', 'transport', 'proxy'],
  cli: ['package-root', 'errors', 'abort', 'protocol', 'sasl', 'tls', 'guards', 'mime', 'dkim', 'connection', 'pool', 'transport', 'sink', 'audit', 'bench-engine', 'proxy'],
  index: Object.keys({}).concat('*'),
};

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

const roomOf = (file) => {
  const [first, second] = path.relative(SRC, file).split(path.sep);
  return second === undefined ? first.replace(/\.ts$/, '') : first;
};

export function checkImports() {
  const files = walk(SRC);
  const edges = new Map();
  const problems = [];
  const spec = /(?:^|\n)\s*(?:import|export)[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]/g;
  for (const file of files) {
    const targets = [];
    for (const m of readFileSync(file, 'utf8').matchAll(spec)) {
      const target = path.resolve(path.dirname(file), m[1]).replace(/\.js$/, '.ts');
      targets.push(target);
      const from = roomOf(file);
      const to = roomOf(target);
      const allowed = ALLOWED[from];
      if (from === to || (allowed && (allowed.includes('*') || allowed.includes(to)))) continue;
      problems.push(`${path.relative(SRC, file)} imports ${m[1]}: ${from} may not import ${to}${allowed ? '' : ' (unknown room: add it to ALLOWED)'}`);
    }
    edges.set(file, targets);
  }
  // Tarjan's strongly connected components: any component of more than one file is a circle.
  let index = 0;
  const stack = [];
  const meta = new Map();
  const strong = (v) => {
    meta.set(v, { index, low: index, onStack: true });
    index += 1;
    stack.push(v);
    for (const w of edges.get(v) ?? []) {
      if (!edges.has(w)) continue;
      if (!meta.has(w)) {
        strong(w);
        meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).low);
      } else if (meta.get(w).onStack) meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).index);
    }
    if (meta.get(v).low === meta.get(v).index) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        meta.get(w).onStack = false;
        component.push(path.relative(SRC, w));
      } while (w !== v);
      if (component.length > 1) problems.push(`import circle: ${component.sort().join(' <-> ')}`);
    }
  };
  for (const file of files) if (!meta.has(file)) strong(file);
  return { files: files.length, problems };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { files, problems } = checkImports();
  for (const p of problems) console.error(p);
  if (problems.length) process.exit(1);
  console.log(`imports: ${files} files, rooms in order, no circles`);
}
