import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli';

/** Command-line mistakes, what commander says about each, and the command whose help to read. */
const MISTAKES: ReadonlyArray<[string, readonly string[], string, string]> = [
  ['an unknown option', ['kpis', '--bogus'], "error: unknown option '--bogus'", 'clickstream kpis'],
  ['a value outside the choices', ['kpis', '--mode', 'fast'], "error: option '--mode <mode>' argument 'fast' is invalid. Allowed choices are single-app, per-job.", 'clickstream kpis'],
  ['a value our parser refuses', ['run', '--records', 'many'], 'error: option \'--records <n>\' argument \'many\' is invalid. --records must be a whole number >= 1, got "many".', 'clickstream run'],
  ['a missing argument', ['query'], "error: missing required argument 'sql'", 'clickstream query'],
  ['an unknown command', ['bogus'], "error: unknown command 'bogus'", 'clickstream'],
];

describe('command-line errors', () => {
  it.each(MISTAKES)('%s: the error and one line naming the command\'s --help, not the help text', async (_, args, error, command) => {
    const result = await runCli(args);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`${error}\n(see ${command} --help)\n`);
  });

  it('--help still prints the whole help', async () => {
    const result = await runCli(['kpis', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: clickstream kpis [options]');
    expect(result.stdout).toContain('--from-date <YYYY-MM-DD>');
  });
});
