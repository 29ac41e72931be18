#!/usr/bin/env node
/**
 * Pools scenario 2 over several runs at the same code: `node bench/merge-runs.mjs FULL.json MORE.json... > out.json`.
 *
 * The first file is a full run; every scenario-2 case in it gets the rounds of the same case in the other
 * files appended, in order, and the medians, ratios and targets are computed again over all of them. A
 * round's entrants stay aligned by index (same-round ratios pair them so): every run must have the same
 * entrants with one result per round, which is checked. The other scenarios are the full run's. Nothing here
 * can check that the runs were at the same code; the output lists the runs so a reader can.
 */
import { readFileSync } from 'node:fs';
import { summarize } from './lib/report.mjs';

const files = process.argv.slice(2);
if (files.length < 2) {
  process.stderr.write('usage: node bench/merge-runs.mjs FULL.json MORE.json... > merged.json\n');
  process.exit(2);
}
const [full, ...more] = files.map((file) => JSON.parse(readFileSync(file, 'utf8')));
for (const [i, run] of [full, ...more].entries()) {
  if (run.quick) throw new Error(`${files[i]} is a --quick run`);
  if (JSON.stringify(run.counts) !== JSON.stringify(full.counts)) throw new Error(`${files[i]}: counts differ from ${files[0]}`);
}
const ids = [];
let rounds = 0;
for (const c of full.cases.filter((x) => x.scenario === 2)) {
  ids.push(c.id);
  for (const [i, run] of more.entries()) {
    const same = run.cases.find((x) => x.id === c.id);
    if (!same) throw new Error(`${c.id} is missing from ${files[i + 1]}`);
    const mine = Object.keys(c.runs).sort().join(',');
    const theirs = Object.keys(same.runs).sort().join(',');
    if (mine !== theirs) throw new Error(`${c.id}: entrants differ (${mine} / ${theirs} in ${files[i + 1]})`);
    for (const [entrant, results] of Object.entries(same.runs)) {
      if (results.length !== run.rounds) throw new Error(`${c.id}: ${entrant} has ${results.length} results for ${run.rounds} rounds in ${files[i + 1]}`);
      c.runs[entrant] = [...c.runs[entrant], ...results];
    }
  }
  rounds = Math.max(rounds, ...Object.values(c.runs).map((r) => r.length));
}
const summary = summarize(full.cases);
Object.assign(full, { ratios: summary.ratios, sameRoundRatios: summary.sameRoundRatios, targets: summary.targets });
full.merged = {
  scenario2Rounds: rounds,
  note: `Scenario 2 (${ids.join(', ')}) holds the ${rounds} rounds of ${files.length} runs, in order: the full run and ${more.length} run(s) of --only 2; its medians, ratios and targets are over all of them. The other scenarios are the full run's.`,
  runs: [full, ...more].map((r) => ({ generatedAt: r.generatedAt, rounds: r.rounds, durationSec: r.durationSec, loadavg: r.machine.loadavg })),
};
process.stdout.write(`${JSON.stringify(full, null, 2)}\n`);
