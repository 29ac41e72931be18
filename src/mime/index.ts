/** Message model -> streaming RFC 5322 / MIME generator, plus the encoders it is built from. */
export { compose, composeToBuffer, prepareMessage } from './compose.js';
export type { ComposeOptions, PreparedMessage } from './compose.js';
export type { MailMessage, Attachment, AddressInput, AddressListInput, IcalEvent } from './message.js';
export { parseAddressList, parseAddressItems, formatAddress, formatAddressList, formatPhrase } from './address.js';
export type { Mailbox, AddressItem } from './address.js';
export { createHttpsFetcher } from './fetch.js';
export type { HttpsFetcher, HttpsFetcherOptions, FetchedResource } from './fetch.js';
export { Base64Encoder, encodeBase64Lines, base64EncodedLength } from './base64.js';
export { QuotedPrintableEncoder, encodeQuotedPrintable } from './quoted-printable.js';
export { encodeWords, isPlainHeaderText } from './encoded-word.js';
export { formatParam, extendedParams } from './rfc2231.js';
export { foldHeader } from './folding.js';
export { formatDate } from './date.js';
export { contentTypeFor } from './content-types.js';
export { encodeText } from './text-body.js';
export type { TransferEncoding, EncodedText } from './text-body.js';
