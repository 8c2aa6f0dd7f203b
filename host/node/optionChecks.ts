// The checks the option table (options.ts) is written with, and how a bad
// value is shown in its CONFIG message. Each check is a plain predicate so a
// row reads as "name: what it accepts, the check".

/** One option: what it accepts, in words for the message, and the check. */
export interface Rule {
  accepts: string;
  valid(value: unknown): boolean;
  /** A finer reason for a value that fails the check, when words help (e.g. which limit). */
  why?(value: unknown): string | undefined;
}

/** Longest a timer can wait in Node; longer ones fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export const isString = (v: unknown): v is string => typeof v === 'string';
export const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
export const isFunction = (v: unknown): v is (...args: never[]) => unknown => typeof v === 'function';
export const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isMs = (v: unknown): v is number => typeof v === 'number' && v >= 1 && v <= MAX_TIMER_MS;
export const isCount = (v: unknown, min: number): v is number => Number.isSafeInteger(v) && (v as number) >= min;
export const isHeaderValue = (v: unknown) => isString(v) || (typeof v === 'number' && Number.isFinite(v));
export const isParamValue = (v: unknown) => isHeaderValue(v) || isBool(v);
export const isPositive = (v: unknown): v is number => typeof v === 'number' && v > 0 && Number.isFinite(v);

export function oneOf(...values: unknown[]): (v: unknown) => boolean {
  return (v) => values.includes(v);
}

/** An object of name: value, or [name, value] pairs; arrays are checked pair by pair, other iterables (Headers, Map) as they are. */
export function pairsOf(validValue: (v: unknown) => boolean): (v: unknown) => boolean {
  return (v) => {
    if (Array.isArray(v)) return v.every((p) => Array.isArray(p) && p.length === 2 && isString(p[0]) && validValue(p[1]));
    if (isObject(v) && Symbol.iterator in v) return true;
    return isObject(v) && Object.values(v).every(validValue);
  };
}

/** What JSON.stringify turns into text (not undefined, a function, a symbol, a BigInt or a cycle). */
export function isJson(v: unknown): boolean {
  try {
    return JSON.stringify(v) !== undefined;
  } catch {
    return false;
  }
}

/** A bad value as the message shows it: short, and never a secret's full text. */
export function show(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  switch (typeof v) {
    case 'string': return v.length > 40 ? `a ${v.length}-character string` : JSON.stringify(v);
    case 'number': case 'boolean': return String(v);
    case 'bigint': return `${v}n`;
    case 'function': return 'a function';
    case 'symbol': return 'a symbol';
    case 'object': {
      const name = (v as object).constructor?.name;
      if (!name || name === 'Object') return 'an object';
      return `${/^[aeiou]/i.test(name) ? 'an' : 'a'} ${name}`;
    }
    default: return typeof v;
  }
}
