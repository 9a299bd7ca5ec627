import { InvalidArgumentError } from 'commander';

/** `value` as a number that passes `check`, else an error naming the option and the rule. */
function parseNumber(what: string, value: string, check: (n: number) => boolean, rule: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || !check(n)) throw new Error(`${what} must be ${rule}, got "${value}".`);
  return n;
}

/** A whole number >= `min`, the one rule for every count a command takes. */
export function parseWholeNumber(what: string, value: string, min = 0): number {
  return parseNumber(what, value, (n) => Number.isInteger(n) && n >= min, `a whole number >= ${min}`);
}

/** A parser commander calls while it reads the command line: a bad value is refused before anything starts. */
const optionParser = <T>(parse: (value: string) => T) => (value: string): T => {
  try {
    return parse(value);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
};

export const wholeNumber = (what: string, min = 0) => optionParser((value) => parseWholeNumber(what, value, min));
export const positive = (what: string) => optionParser((value) => parseNumber(what, value, (n) => n > 0, 'a positive number'));
export const share = (what: string) => optionParser((value) => parseNumber(what, value, (n) => n >= 0 && n <= 1, 'between 0 and 1'));
