/**
 * Unknown keys are refused, not ignored: `secure: true` or `timeouts.connect` in a JavaScript or YAML-driven
 * configuration would otherwise be dropped without a word and the send would run with the defaults. Each
 * object mailwire reads has one table (its known keys, plus the names people bring from elsewhere with
 * what to write instead), so a feature that adds an option adds one word to one list.
 */

export interface KeyTable {
  /** The keys mailwire reads on this object. */
  known: readonly string[];
  /** Names that are not ours but that people write (mostly nodemailer's), with the advice. */
  foreign?: Readonly<Record<string, string>>;
}

export interface UnknownKey {
  /** The key as found, e.g. "secure". */
  key: string;
  /** What to write instead: "use security: 'tls' ..." or "did you mean connectMs?"; '' when nothing is near. */
  advice: string;
}

/**
 * The first key of `value` that the table does not know (keys whose value is undefined are skipped: they
 * come from spreads of optional fields and say nothing), with advice. Undefined when every key is known.
 */
export function findUnknownKey(value: object, table: KeyTable, prefix = ''): UnknownKey | undefined {
  // for-in with an own-property test: the same keys as Object.keys() without an array of them per call.
  for (const key in value) {
    if (!Object.hasOwn(value, key) || table.known.includes(key)) continue;
    if ((value as Record<string, unknown>)[key] === undefined) continue;
    const foreign = table.foreign !== undefined && Object.hasOwn(table.foreign, key) ? table.foreign[key] : undefined;
    if (foreign !== undefined) return { key, advice: foreign };
    const near = nearest(key, table.known);
    return { key, advice: near === undefined ? '' : `did you mean ${prefix}${near}?` };
  }
  return undefined;
}

/** "unknown option "timeouts.connect" (did you mean timeouts.connectMs?)"-style sentence. */
export function describeUnknownKey(found: UnknownKey, what: string, prefix = ''): string {
  const name = `${prefix}${found.key}`;
  return `unknown ${what} "${name}"${found.advice === '' ? '' : `: ${found.advice}`}`;
}

/**
 * The candidate nearest to a misspelt word, when it is near enough to be a plausible suggestion: a small
 * edit distance, case ignored, or one name holding the other (connect -> connectMs).
 */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const c = candidate.toLowerCase();
    let d = editDistance(lower, c);
    if (lower.length >= 4 && (c.startsWith(lower) || lower.startsWith(c))) d = Math.min(d, 1);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

/** Edit distance (insert, delete, substitute, and swap two neighbours: "hots" is one step from "host"). */
export function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, (before[j - 2] ?? 0) + 1);
      row[j] = d;
    }
    before = previous;
    previous = row;
  }
  return previous[b.length] ?? 0;
}
