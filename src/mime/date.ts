/** RFC 5322 date-time, always in UTC with a numeric zone: "Tue, 15 Nov 1994 08:12:31 +0000". */

import { guardError } from '../errors.js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad = (n: number): string => String(n).padStart(2, '0');

/** Messages sent in the same second share one formatted Date (formatting is a dozen calls and strings). */
let cachedSecond = Number.NaN;
let cachedText = '';

let cachedLine = '';

export function formatDate(date: Date): string {
  const second = Math.floor(date.getTime() / 1000);
  if (second === cachedSecond) return cachedText;
  cachedSecond = second;
  cachedText = (
    `${DAYS[date.getUTCDay()]}, ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
  cachedLine = `Date: ${cachedText}\r\n`;
  return cachedText;
}

/**
 * The whole "Date: ...\r\n" header line for `date`, or for now when undefined (then no Date object unless
 * the second changed since the last message). A formatted date is 31 ASCII characters at most: the line
 * never folds.
 */
export function dateLine(date: Date | undefined): string {
  if (date === undefined) {
    const now = Date.now();
    if (Math.floor(now / 1000) !== cachedSecond) formatDate(new Date(now));
  } else {
    formatDate(date);
  }
  return cachedLine;
}

/** Accepts a Date or anything Date.parse understands; refuses invalid dates and years outside 1900-9999. */
export function toDate(value: Date | string | undefined, field = 'date'): Date {
  if (value === undefined) return new Date();
  const date = value instanceof Date ? new Date(value.getTime()) : typeof value === 'string' ? new Date(value) : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) throw guardError(`${field}: not a valid date`);
  const year = date.getUTCFullYear();
  if (year < 1900 || year > 9999) throw guardError(`${field}: year out of range`);
  return date;
}
