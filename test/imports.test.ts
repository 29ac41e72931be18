import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { checkImports } from '../scripts/check-imports.mjs';

describe('the import graph of src/', () => {
  it('runs one way, room by room, with no circles', () => {
    const { files, problems } = checkImports() as { files: number; problems: string[] };
    expect(files).toBeGreaterThan(50);
    expect(problems).toEqual([]);
  });
});
