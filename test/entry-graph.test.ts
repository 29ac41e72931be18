/**
 * What `import('mailwire')` loads: the modules reachable from src/index.ts through static imports (type-only
 * imports and `await import()` excluded). A fresh process pays for each one (Node reads, compiles and links
 * every ES module it loads), so the code of features an application may never use (the audit, the sink,
 * DKIM signing, proxies, SASL mechanisms, OAuth2 token renewal, attachments, https fetches) is loaded by
 * the first call that needs it instead.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src');

function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(import|export)(\s+type)?\b([^'";]*?)from\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
    if (m[2] !== undefined) continue; // import type / export type: erased
    const what = m[3] ?? '';
    // `import { type A, type B } from` is erased too; `export { type A }` likewise.
    const names = /\{([^}]*)\}/.exec(what)?.[1];
    if (names !== undefined && !/\*/.test(what) && names.split(',').every((n) => n.trim() === '' || n.trim().startsWith('type '))) continue;
    found.push(path.resolve(path.dirname(file), m[4] as string).replace(/\.js$/, '.ts'));
  }
  return found;
}

function reachable(entry: string): Set<string> {
  const seen = new Set<string>();
  const todo = [entry];
  while (todo.length > 0) {
    const file = todo.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    todo.push(...staticImports(file));
  }
  return new Set([...seen].map((f) => path.relative(SRC, f)));
}

describe("the package's entry point", () => {
  const loaded = reachable(path.join(SRC, 'index.ts'));

  it('loads the send path', () => {
    for (const file of ['transport/transport.ts', 'pool/pool.ts', 'connection/transaction.ts', 'mime/compose.ts']) expect(loaded).toContain(file);
  });

  it('does not load the audit, the sink, DKIM signing, proxies, SASL, token renewal, attachments or https', () => {
    const features = [...loaded].filter(
      (file) =>
        (file.startsWith('audit/') && !['audit/entry.ts', 'audit/checks/index.ts', 'audit/checks/smuggling-variants.ts'].includes(file)) ||
        (file.startsWith('sink/') && file !== 'sink/entry.ts') ||
        (file.startsWith('dkim/') && !['dkim/entry.ts', 'dkim/options.ts'].includes(file)) ||
        (file.startsWith('proxy/') && !['proxy/lazy-connector.ts', 'proxy/url.ts'].includes(file)) ||
        file.startsWith('sasl/') ||
        file.startsWith('transport/token-') ||
        ['mime/attachments.ts', 'mime/fetch.ts', 'mime/embedded-message.ts'].includes(file),
    );
    expect(features).toEqual([]);
    console.log(`import('mailwire') loads ${loaded.size} modules`);
  });
});
