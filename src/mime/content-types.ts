/**
 * Content type from a file name's extension: a small built-in table of what people actually attach.
 * Unknown extensions fall back to application/octet-stream (receivers then treat the part as opaque).
 */

const TABLE: Readonly<Record<string, string>> = {
  txt: 'text/plain', text: 'text/plain', log: 'text/plain', md: 'text/markdown', csv: 'text/csv', tsv: 'text/tab-separated-values',
  htm: 'text/html', html: 'text/html', css: 'text/css', xml: 'application/xml', json: 'application/json',
  ics: 'text/calendar', vcf: 'text/vcard', eml: 'message/rfc822', js: 'text/javascript', mjs: 'text/javascript',
  pdf: 'application/pdf', rtf: 'application/rtf', zip: 'application/zip', gz: 'application/gzip', tgz: 'application/gzip',
  tar: 'application/x-tar', '7z': 'application/x-7z-compressed', rar: 'application/vnd.rar', bz2: 'application/x-bzip2',
  doc: 'application/msword', dot: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ppt: 'application/vnd.ms-powerpoint', pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  odt: 'application/vnd.oasis.opendocument.text', ods: 'application/vnd.oasis.opendocument.spreadsheet',
  odp: 'application/vnd.oasis.opendocument.presentation', epub: 'application/epub+zip',
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', jpe: 'image/jpeg', gif: 'image/gif', webp: 'image/webp',
  svg: 'image/svg+xml', bmp: 'image/bmp', ico: 'image/vnd.microsoft.icon', tif: 'image/tiff', tiff: 'image/tiff',
  avif: 'image/avif', heic: 'image/heic',
  mp3: 'audio/mpeg', wav: 'audio/wav', ogg: 'audio/ogg', m4a: 'audio/mp4', flac: 'audio/flac',
  mp4: 'video/mp4', m4v: 'video/mp4', mov: 'video/quicktime', webm: 'video/webm', avi: 'video/x-msvideo', mpeg: 'video/mpeg',
  wasm: 'application/wasm', p7s: 'application/pkcs7-signature', asc: 'application/pgp-signature',
  pem: 'application/x-pem-file', woff: 'font/woff', woff2: 'font/woff2', ttf: 'font/ttf', otf: 'font/otf',
};

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** The content type for `filename`, or undefined when the extension is unknown. */
export function contentTypeFor(filename: string | undefined): string | undefined {
  if (filename === undefined) return undefined;
  const dot = filename.lastIndexOf('.');
  if (dot === -1 || dot === filename.length - 1) return undefined;
  const ext = filename.slice(dot + 1).toLowerCase();
  return Object.hasOwn(TABLE, ext) ? TABLE[ext] : undefined;
}

/**
 * Validates a caller-supplied content type: `type/subtype`, optionally followed by `; params`. Returns
 * the lower-cased type/subtype and the parameter text (or undefined when the value is not acceptable).
 */
export function parseContentType(value: string): { type: string; params: string } | undefined {
  const semi = value.indexOf(';');
  const main = (semi === -1 ? value : value.slice(0, semi)).trim().toLowerCase();
  const params = semi === -1 ? '' : value.slice(semi + 1).trim();
  if (params.length > 200) return undefined;
  if (!/^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/.test(main)) return undefined;
  for (let i = 0; i < params.length; i++) {
    const c = params.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return undefined;
  }
  return { type: main, params };
}
