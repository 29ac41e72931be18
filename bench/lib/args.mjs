/**
 * The bench scripts' command line: `--key value`, `--key=value`, or a bare `--flag` (true). Values stay
 * strings; each script converts and checks its own.
 */
export function parseFlags(argv = process.argv.slice(2)) {
  const args = {};
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i].replace(/^--/, '');
    const eq = arg.indexOf('=');
    const next = argv[i + 1];
    if (eq > 0) args[arg.slice(0, eq)] = arg.slice(eq + 1);
    else if (next !== undefined && !next.startsWith('--')) args[arg] = next, (i += 1);
    else args[arg] = true;
  }
  return args;
}
