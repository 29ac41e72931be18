/**
 * `icalEvent`: an iCalendar invitation as a text/calendar alternative with a `method` parameter, which
 * is what makes Outlook, Gmail and Apple Mail show accept/decline buttons (RFC 6047).
 */

import { guardError } from '../errors.js';
import { assertBodySize, type ResolvedLimits } from '../guards/limits.js';
import { assertNoControls } from '../guards/text.js';
import type { IcalEvent } from './message.js';
import { formatParam, isToken } from './rfc2231.js';
import { encodeText, type EncodedText } from './text-body.js';

export interface CalendarPart {
  contentType: string;
  encoded: EncodedText;
}

export function buildCalendarPart(event: IcalEvent, limits: ResolvedLimits, allow8bit: boolean): CalendarPart {
  if (typeof event !== 'object' || event === null) throw guardError('icalEvent: expected an object');
  const method = (event.method ?? 'REQUEST').toUpperCase();
  if (typeof event.method !== 'undefined' && typeof event.method !== 'string') throw guardError('icalEvent.method: expected a string');
  if (!isToken(method) || method.length > 32) throw guardError('icalEvent.method: must be a token such as REQUEST');
  const content = event.content;
  if (typeof content !== 'string' && !(content instanceof Uint8Array)) throw guardError('icalEvent.content: expected a string or a Buffer');
  assertBodySize('icalEvent.content', typeof content === 'string' ? Buffer.byteLength(content) : content.length, limits);
  const params = ['text/calendar', 'charset=utf-8', `method=${method}`];
  if (event.filename !== undefined) {
    if (typeof event.filename !== 'string') throw guardError('icalEvent.filename: expected a string');
    assertNoControls(event.filename, 'icalEvent.filename');
    params.push(...formatParam('name', event.filename));
  }
  return { contentType: params.join('; '), encoded: encodeText(content, { allow8bit }) };
}
