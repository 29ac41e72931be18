#!/usr/bin/env node
/**
 * The `mailwire` executable. Everything lives in cli/; this file wires it to the process: argv, the
 * streams, Ctrl+C, and the exit code. The first Ctrl+C asks the running command to stop cleanly (the sink
 * closes, a bench reports what it has); a second one exits at once.
 */
import { runCli } from './main.js';
import { processIo } from './io.js';

const stop = new AbortController();
let signals = 0;
const onSignal = (): void => {
  signals += 1;
  if (signals > 1) process.exit(130);
  stop.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const code = await runCli(process.argv.slice(2), processIo(stop.signal));
process.off('SIGINT', onSignal);
process.off('SIGTERM', onSignal);
process.exitCode = code;
