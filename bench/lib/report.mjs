/** Medians, ratios, the issue's targets, and the printed table (Markdown, so it can go into the README). */
import os from 'node:os';

const MB = 1024 * 1024;

export function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function machineInfo() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    memoryGB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    loadavg: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** What one run says, as numbers (undefined when it failed). */
function figures(metric, r) {
  if (!r?.ok || r.errors > 0) return undefined;
  const f = { ms: r.ms };
  if (metric === 'msgPerSec') {
    f.primary = (r.count / r.ms) * 1000;
    if (r.cpuMs !== undefined) f.cpuUsPerMsg = (r.cpuMs * 1000) / r.count;
    if (r.rssPeak !== undefined) {
      f.rssPeakMB = r.rssPeak / MB;
      f.rssOverMB = (r.rssPeak - r.rssBaseline) / MB;
    }
  } else if (metric === 'rtPerMsg') {
    f.primary = r.proxy.roundTrips / r.count;
    f.sessionRoundTrips = r.proxy.sessionRoundTrips;
    f.msPerMsg = r.ms / r.count;
  } else if (metric === 'rssOverMB') {
    f.primary = (r.rssPeak - r.rssBaseline) / MB;
    f.rssPeakMB = r.rssPeak / MB;
  } else if (metric === 'mbPerSec') {
    f.primary = (r.bytes / MB / r.ms) * 1000;
    f.msgPerSec = (r.count / r.ms) * 1000;
    if (r.cpuMs !== undefined) f.cpuUsPerMsg = (r.cpuMs * 1000) / r.count;
    f.rssPeakMB = r.rssPeak / MB;
  }
  return f;
}

const HIGHER_IS_BETTER = { msgPerSec: true, mbPerSec: true, rtPerMsg: false, rssOverMB: false };

export function summarize(cases) {
  for (const c of cases) {
    c.medians = {};
    for (const [lib, runs] of Object.entries(c.runs)) {
      const all = runs.map((r) => figures(c.metric, r)).filter(Boolean);
      if (all.length === 0) {
        c.medians[lib] = null;
        continue;
      }
      const keys = Object.keys(all[0]);
      c.medians[lib] = Object.fromEntries(keys.map((k) => [k, median(all.map((f) => f[k]))]));
      c.medians[lib].rounds = all.length;
    }
  }
  const ratios = {};
  for (const c of cases) {
    const mine = c.medians.mailwire?.primary;
    ratios[c.id] = {};
    for (const other of ['nodemailer', 'emailjs', 'smtp-source']) {
      const theirs = c.medians[other]?.primary;
      if (mine !== undefined && theirs !== undefined && theirs !== 0) ratios[c.id][`mailwire/${other}`] = mine / theirs;
    }
    const raw = c.medians['mailwire-raw']?.primary;
    const ceiling = c.medians['smtp-source']?.primary;
    if (raw !== undefined && ceiling) ratios[c.id]['mailwire-raw/smtp-source'] = raw / ceiling;
  }
  // The same ratios taken round by round (each round's figure over the other library's figure in the same
  // round), then the median: load on a shared machine drifts between rounds, and a round's entrants run
  // back to back, so this is the steadier view of the two.
  const sameRound = {};
  for (const c of cases) {
    sameRound[c.id] = {};
    for (const other of ['nodemailer', 'emailjs', 'smtp-source']) {
      const mine = c.runs.mailwire ?? [];
      const theirs = c.runs[other] ?? [];
      const pairs = mine.map((r, i) => [figures(c.metric, r)?.primary, figures(c.metric, theirs[i])?.primary]).filter(([a, b]) => a !== undefined && b);
      if (pairs.length > 0) sameRound[c.id][`mailwire/${other}`] = median(pairs.map(([a, b]) => a / b));
    }
  }
  const byId = Object.fromEntries(cases.map((c) => [c.id, c]));
  const targets = [];
  const ratioTarget = (id, other, goal, description) => {
    const value = ratios[id]?.[`mailwire/${other}`];
    if (byId[id]) targets.push({ id, description, value, goal: `>= ${goal}`, pass: value !== undefined ? value >= goal : null });
  };
  const absTarget = (id, test, goalText, description) => {
    const value = byId[id]?.medians.mailwire?.primary;
    if (byId[id]) targets.push({ id, description, value, goal: goalText, pass: value !== undefined ? test(value) : null });
  };
  ratioTarget('s1-sequential', 'nodemailer', 1.5, 'scenario 1: mailwire >= 1.5x nodemailer (msg/s)');
  for (const c of cases.filter((x) => x.scenario === 2 && x.target !== false)) {
    ratioTarget(c.id, 'nodemailer', 3, `scenario 2 (${c.id.slice(3)}): mailwire >= 3x nodemailer (msg/s)`);
    ratioTarget(c.id, 'smtp-source', 0.5, `scenario 2 (${c.id.slice(3)}): mailwire >= 0.5x smtp-source (msg/s)`);
  }
  absTarget('s3-pooled-bdat', (v) => v <= 1.2, '<= 1.2', 'scenario 3: pooled round trips per message, PIPELINING + CHUNKING');
  absTarget('s3-pooled-data', (v) => v <= 1.2, '<= 1.2', 'scenario 3: pooled round trips per message, PIPELINING only');
  absTarget('s4-attachment', (v) => v < 50, '< 50', 'scenario 4: peak RSS over baseline (MB)');
  ratioTarget('s5-compose', 'nodemailer', 1.5, 'scenario 5: mailwire >= 1.5x nodemailer (MB/s)');
  return { ratios, sameRoundRatios: sameRound, targets };
}

// ---- printing ----

const UNITS = { msgPerSec: 'msg/s', mbPerSec: 'MB/s', rtPerMsg: 'round trips/msg', rssOverMB: 'MB over baseline' };

function fmt(value, metric) {
  if (value === undefined || value === null) return 'n/a';
  if (metric === 'rtPerMsg') return value.toFixed(2);
  if (metric === 'rssOverMB' || metric === 'mbPerSec') return value.toFixed(1);
  return Math.round(value).toLocaleString('en-US');
}

function ratio(value) {
  return value === undefined ? '' : `${value.toFixed(2)}x`;
}

export function printReport(report) {
  const out = [];
  const m = report.machine;
  out.push('', `## Results (medians of ${report.rounds} round${report.rounds > 1 ? 's' : ''}${report.merged ? `; scenario 2: ${report.merged.scenario2Rounds ?? '?'} rounds of ${report.merged.runs.length} runs` : ''}${report.quick ? ', QUICK smoke counts: not meaningful' : ''})`, '');
  out.push(`Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB, ${m.platform}, node ${m.node}; load average ${m.loadavg.join(' ')} at start, ${m.loadavgEnd?.join(' ') ?? '?'} at the end.`);
  out.push(`Fast sink: ${report.servers.fast}.`, '');
  if (report.merged) out.push(report.merged.note, '');
  out.push('| Scenario | unit | mailwire | nodemailer | emailjs | smtp-source | mw/nodemailer | mw/emailjs | mw/smtp-source | mw sendRaw¹ | sendRaw/smtp-source |');
  out.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const c of report.cases) {
    const md = c.medians;
    const r = report.ratios[c.id] ?? {};
    const cell = (lib) => (lib in c.runs ? fmt(md[lib]?.primary, c.metric) : '');
    out.push(
      `| ${c.title} | ${UNITS[c.metric]} | ${cell('mailwire')} | ${cell('nodemailer')} | ${cell('emailjs')} | ${cell('smtp-source')} | ${ratio(r['mailwire/nodemailer'])} | ${ratio(r['mailwire/emailjs'])} | ${ratio(r['mailwire/smtp-source'])} | ${cell('mailwire-raw')} | ${ratio(r['mailwire-raw/smtp-source'])} |`,
    );
  }
  out.push('', '¹ mailwire `sendRaw()` of one message composed before the clock starts (smtp-source also sends a fixed message): the session and pool without the composer.');
  if (report.sameRoundRatios) {
    const lines = report.cases
      .filter((c) => c.metric === 'msgPerSec' || c.metric === 'mbPerSec')
      .map((c) => {
        const r = report.sameRoundRatios[c.id] ?? {};
        const parts = ['nodemailer', 'emailjs', 'smtp-source'].filter((o) => r[`mailwire/${o}`] !== undefined).map((o) => `/${o} ${ratio(r[`mailwire/${o}`])}`);
        return parts.length ? `- ${c.id}: mailwire ${parts.join(', ')}` : undefined;
      })
      .filter(Boolean);
    if (lines.length) out.push('', 'Same-round ratios (median over rounds of the ratio within each round; the table divides medians):', '', ...lines);
  }
  out.push('', 'Secondary figures (medians):', '');
  out.push('| Scenario | figure | mailwire | nodemailer | emailjs | mw sendRaw¹ |');
  out.push('|---|---|---:|---:|---:|---:|');
  for (const c of report.cases) {
    const md = c.medians;
    const row = (label, key, digits = 0) => {
      if (!['mailwire', 'nodemailer', 'emailjs'].some((l) => md[l]?.[key] !== undefined)) return;
      const v = (lib) => (md[lib]?.[key] === undefined ? '' : md[lib][key].toFixed(digits));
      out.push(`| ${c.id} | ${label} | ${v('mailwire')} | ${v('nodemailer')} | ${v('emailjs')} | ${v('mailwire-raw')} |`);
    };
    row('peak RSS (MB)', 'rssPeakMB');
    if (c.metric === 'msgPerSec') row('RSS over baseline (MB)', 'rssOverMB');
    row('CPU per message (us)', 'cpuUsPerMsg');
    if (c.metric === 'rtPerMsg') {
      row('wall time per message (ms)', 'msPerMsg', 1);
      row('session round trips (EHLO, QUIT)', 'sessionRoundTrips');
    }
    if (c.metric === 'rssOverMB') row('wall time (ms)', 'ms');
    if (c.metric === 'mbPerSec') row('messages/s', 'msgPerSec');
  }
  out.push('', 'Targets (issue 4):', '');
  for (const t of report.targets) {
    const mark = t.pass === null ? 'N/A ' : t.pass ? 'PASS' : 'MISS';
    const value = t.value === undefined ? 'n/a' : t.value.toFixed(2);
    out.push(`- ${mark} ${t.description}: ${value} (goal ${t.goal})`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}
