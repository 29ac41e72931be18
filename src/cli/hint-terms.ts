/**
 * The library's hints name its options (security: 'tls', tls.ca, auth.pass); people at a terminal type
 * flags. This turns a hint into the flags of the command line, so `mailwire send` says --ca FILE where
 * a program would be told tls.ca.
 */

const TERMS: Array<[RegExp, string]> = [
  [/security: '(\w+)'/g, '--security $1'],
  [/tls\.rejectUnauthorized\s*=\s*false|tls: \{ rejectUnauthorized: false \}|rejectUnauthorized: false/g, '--tls-skip-verify'],
  [/tls\.ca\b/g, '--ca FILE'],
  [/tls\.servername\b/g, '--servername NAME'],
  [/tls\.minVersion\b/g, '--min-tls'],
  [/auth: \{ user, pass \}/g, '--user USER with --pass-env VAR (or --pass-file FILE)'],
  [/auth\.user and auth\.pass/g, '--user and the password (--pass-env / --pass-file)'],
  [/auth\.method\b/g, '--auth-method'],
  [/clientName\b/g, '--client-name'],
  [/\bport (\d+) with --security/g, '--port $1 with --security'],
];

/** A library hint in the CLI's words. */
export function cliHint(hint: string): string {
  let text = hint;
  for (const [pattern, replacement] of TERMS) text = text.replace(pattern, replacement);
  return text;
}
