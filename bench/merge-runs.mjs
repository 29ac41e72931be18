#!/usr/bin/env node
/**
 * Pools scenario 2 over several runs at the same code: `node bench/merge-runs.mjs FULL.json MORE.json... > out.json`.
 *
 * The first file is a full run; every scenario-2 case in it gets the rounds of the same case in the other
 * files appended, in order, so medians and same-round ratios (`--report`) are taken over all of them. A
 * round's entrants stay aligned by index, because every run gives each entrant one result per round. The
 * other scenarios are the full run's. The output says which runs went in.
 */
import { readFileSync } from 'node:fs';

const files = process.argv.slice(2);
if (files.length < 2) {
  process.stderr.write('usage: node bench/merge-runs.mjs FULL.json MORE.json... > merged.json\n');
  process.exit(2);
}
const [full, ...more] = files.map((file) => JSON.parse(readFileSync(file, 'utf8')));
const ids = [];
for (const c of full.cases.filter((x) => x.scenario === 2)) {
  ids.push(c.id);
  for (const run of more) {
    const same = run.cases.find((x) => x.id === c.id);
    if (!same) throw new Error(`${c.id} is missing from a run generated at ${run.generatedAt}`);
    for (const [entrant, results] of Object.entries(c.runs)) c.runs[entrant] = [...results, ...(same.runs[entrant] ?? [])];
  }
}
full.merged = {
  note: `Scenario 2 (${ids.join(', ')}) holds the rounds of ${files.length} runs at the same code, in order: the full run and ${more.length} run(s) of --only 2; its medians and same-round ratios are over all of them. The other scenarios are the full run's.`,
  runs: [full, ...more].map((r) => ({ generatedAt: r.generatedAt, rounds: r.rounds, durationSec: r.durationSec, loadavg: r.machine.loadavg })),
};
process.stdout.write(`${JSON.stringify(full, null, 2)}\n`);
