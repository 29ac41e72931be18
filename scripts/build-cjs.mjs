/**
 * The CommonJS half of the package: tsc (tsconfig.cjs.json) has compiled the public entry points into
 * dist/cjs; this marks that folder as CommonJS so Node and TypeScript read its .js and .d.ts as such
 * (the root package.json says "type": "module").
 */
import { writeFileSync } from 'node:fs';

writeFileSync(new URL('../dist/cjs/package.json', import.meta.url), '{ "type": "commonjs" }\n');
