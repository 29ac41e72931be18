/** The pure SMTP layer: reply framing, command encoding, EHLO parsing, body stuffing, xtext. */
export {
  type Reply,
  createReply,
  leadingEnhancedCode,
  isPositive,
  isIntermediate,
  isTransient,
  isPermanent,
  expectClass,
  formatReply,
} from './reply.js';
export { type ReplyParserLimits, ReplyParser } from './reply-parser.js';
export {
  type MailParams,
  type RcptParams,
  type NotifyEvent,
  ehlo,
  helo,
  mailFrom,
  rcptTo,
  data,
  bdat,
  rset,
  noop,
  quit,
  startTls,
  auth,
  authResponse,
  raw,
} from './commands.js';
export { type Capabilities, parseCapabilities, heloCapabilities } from './capabilities.js';
export { DotStuffer, LineEndingNormalizer } from './dot-stuffer.js';
export { encodeXtext, decodeXtext } from './xtext.js';
