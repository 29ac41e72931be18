import { describe, expect, it } from 'vitest';
import { UsageError, parse, parseCount, parseDuration, parseHostPort, parsePort, parseSize } from '../../src/cli/args.js';

describe('value parsers', () => {
  it('ports: 1..65535 only, digits only', () => {
    expect(parsePort('25')).toBe(25);
    expect(parsePort('65535')).toBe(65535);
    for (const bad of ['0', '65536', '99999', '-1', '2.5', 'smtp', '', '1e3', '0x19']) {
      expect(() => parsePort(bad), bad).toThrow(UsageError);
    }
    expect(() => parsePort('70000')).toThrow("--port must be a number from 1 to 65535, got '70000'");
  });

  it('HOST[:PORT] with names, IPv4, bracketed and bare IPv6', () => {
    expect(parseHostPort('smtp.example.com')).toEqual({ host: 'smtp.example.com' });
    expect(parseHostPort('smtp.example.com:587')).toEqual({ host: 'smtp.example.com', port: 587 });
    expect(parseHostPort('127.0.0.1:2525')).toEqual({ host: '127.0.0.1', port: 2525 });
    expect(parseHostPort('[::1]:25')).toEqual({ host: '::1', port: 25 });
    expect(parseHostPort('[::1]')).toEqual({ host: '::1' });
    expect(parseHostPort('::1')).toEqual({ host: '::1' });
    for (const bad of ['', ':25', 'host:', 'host:0', 'host:x', 'a b', 'user@host', 'http://host']) {
      expect(() => parseHostPort(bad), bad).toThrow(UsageError);
    }
  });

  it('durations and sizes with units', () => {
    expect(parseDuration('5s', 'd')).toBe(5000);
    expect(parseDuration('500ms', 'd')).toBe(500);
    expect(parseDuration('2m', 'd')).toBe(120_000);
    expect(parseDuration('1.5', 'd')).toBe(1500);
    for (const bad of ['0s', 'soon', '5h', '-1s', '']) expect(() => parseDuration(bad, 'd'), bad).toThrow(UsageError);
    expect(parseSize('1024', 's')).toBe(1024);
    expect(parseSize('10k', 's')).toBe(10_240);
    expect(parseSize('1.5MiB', 's')).toBe(1_572_864);
    for (const bad of ['0', 'big', '10q', '-5']) expect(() => parseSize(bad, 's'), bad).toThrow(UsageError);
  });

  it('counts are whole numbers in range', () => {
    expect(parseCount('1_000', 'n')).toBe(1000);
    for (const bad of ['0', '1.5', 'x', '-2', '']) expect(() => parseCount(bad, 'n'), bad).toThrow(UsageError);
    expect(() => parseCount('11', 'n', 1, 10)).toThrow('from 1 to 10');
  });
});

describe('parse', () => {
  const options = { subject: { type: 'string' }, to: { type: 'string', multiple: true }, json: { type: 'boolean' } } as const;

  it('parses strictly, with repeated options', () => {
    const { values } = parse(['--to', 'a', '--to', 'b', '--subject=x', '--json'], options);
    expect(values).toMatchObject({ to: ['a', 'b'], subject: 'x', json: true });
  });

  it('unknown options get a suggestion when one is close', () => {
    expect(() => parse(['--subjct', 'x'], options)).toThrow('unknown option --subjct (did you mean --subject?)');
    expect(() => parse(['--frobnicate'], options)).toThrow(/^unknown option --frobnicate$/);
  });

  it('a missing value, a value on a switch, and stray arguments are usage errors', () => {
    expect(() => parse(['--subject'], options)).toThrow('--subject needs a value');
    expect(() => parse(['--json=yes'], options)).toThrow('--json is a switch and takes no value');
    expect(() => parse(['stray'], options)).toThrow("unexpected argument 'stray'");
    expect(() => parse(['a', 'b'], options, 1)).toThrow("unexpected argument 'b'");
    expect(parse(['host'], options, 1).positionals).toEqual(['host']);
  });

  it('refuses passwords on the command line, with the reason', () => {
    expect(() => parse(['--pass', 'x'], options)).toThrow(/--pass is not accepted: .*--pass-env/);
    expect(() => parse(['--password=x'], options)).toThrow(/--password is not accepted/);
  });
});
