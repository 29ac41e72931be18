/**
 * The malformed end-of-data sequences of the SMTP smuggling research (SEC Consult, Timo Longin, December
 * 2023, https://sec-consult.com/blog/detail/smtp-smuggling-spoofing-e-mails-worldwide/) and the variants
 * the follow-up tools test (NUL around the dot, a lone CR or LF on either side). Each is what a sender's
 * server might pass through verbatim and a receiving server might take as the end of the message.
 */
export interface SmugglingVariant {
  id: string;
  /** How the research writes it. */
  label: string;
  /** The bytes, starting with the line end that closes the carrier's last line. */
  bytes: string;
}

/** The end-of-data variants the smuggling check sends (`<LF>.<LF>`, `<CR>.<CR>`...), each with an id, a label and the bytes. */
export const SMUGGLING_VARIANTS: readonly SmugglingVariant[] = [
  { id: 'lf-dot-lf', label: '<LF>.<LF>', bytes: '\n.\n' },
  { id: 'lf-dot-crlf', label: '<LF>.<CR><LF>', bytes: '\n.\r\n' },
  { id: 'crlf-dot-lf', label: '<CR><LF>.<LF>', bytes: '\r\n.\n' },
  { id: 'cr-dot-cr', label: '<CR>.<CR>', bytes: '\r.\r' },
  { id: 'cr-dot-crlf', label: '<CR>.<CR><LF>', bytes: '\r.\r\n' },
  { id: 'crlf-dot-cr', label: '<CR><LF>.<CR>', bytes: '\r\n.\r' },
  { id: 'cr-dot-lf', label: '<CR>.<LF>', bytes: '\r.\n' },
  { id: 'lf-dot-cr', label: '<LF>.<CR>', bytes: '\n.\r' },
  { id: 'crlf-nul-dot-crlf', label: '<CR><LF><NUL>.<CR><LF>', bytes: '\r\n\0.\r\n' },
  { id: 'crlf-dot-nul-crlf', label: '<CR><LF>.<NUL><CR><LF>', bytes: '\r\n.\0\r\n' },
];
