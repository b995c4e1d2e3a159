import { InventoryError } from "./model.js";

const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
/** More hosts than this from one pattern is a typo (`[1:100000]`), not a fleet. */
export const MAX_RANGE_HOSTS = 10_000;

/** Whether the name holds a range such as `[01:16]` or `[a:c]`. */
export function hasHostRange(pattern: string): boolean {
  const open = pattern.indexOf("[");
  return open !== -1 && pattern.indexOf("]", open) !== -1;
}

/**
 * Expands Ansible's host ranges as its inventories do: `gpu-[01:16]` (zero-padded when the start
 * is), `node[a:c]`, `[1:9:2]` with a step, several ranges in one name. `where` prefixes errors.
 */
export function expandHostRange(pattern: string, where: string): string[] {
  const hosts: string[] = [];
  const expand = (name: string) => {
    if (!hasHostRange(name)) {
      hosts.push(name);
      return;
    }
    const open = name.indexOf("[");
    const close = name.indexOf("]", open);
    const head = name.slice(0, open);
    const tail = name.slice(close + 1);
    for (const part of rangeValues(name.slice(open + 1, close), pattern, where)) {
      expand(`${head}${part}${tail}`);
      if (hosts.length > MAX_RANGE_HOSTS)
        throw new InventoryError(
          `${where}: the range ${JSON.stringify(pattern)} names more than ${MAX_RANGE_HOSTS} hosts`,
        );
    }
  };
  expand(pattern);
  return hosts;
}

function rangeValues(range: string, pattern: string, where: string): string[] {
  const fail = (why: string): never => {
    throw new InventoryError(`${where}: host range ${JSON.stringify(pattern)}: ${why}`);
  };
  const fields = range.split(":");
  if (fields.length < 2 || fields.length > 3) fail("expected [begin:end] or [begin:end:step]");
  const [rawBegin = "", end = "", stepText = "1"] = fields;
  const begin = rawBegin === "" ? "0" : rawBegin;
  if (end === "") fail("no end value");
  if (!/^[1-9]\d*$/.test(stepText))
    fail(`step ${JSON.stringify(stepText)} is not a positive number`);
  const step = Number(stepText);
  if (/^[A-Za-z]$/.test(begin) && /^[A-Za-z]$/.test(end)) {
    const from = LETTERS.indexOf(begin);
    const to = LETTERS.indexOf(end);
    if (from > to) fail("begin must not come after end");
    const letters: string[] = [];
    for (let i = from; i <= to; i += step) letters.push(LETTERS[i] ?? "");
    return letters;
  }
  if (!/^\d+$/.test(begin) || !/^\d+$/.test(end)) fail("begin and end must be numbers or letters");
  const padded = begin.length > 1 && begin.startsWith("0");
  if (padded && begin.length !== end.length)
    fail("a zero-padded range needs begin and end of the same length (e.g. [01:16])");
  const from = Number(begin);
  const to = Number(end);
  if (from > to) fail("begin must not be greater than end");
  if ((to - from) / step >= MAX_RANGE_HOSTS) fail(`it names more than ${MAX_RANGE_HOSTS} hosts`);
  const values: string[] = [];
  for (let n = from; n <= to; n += step)
    values.push(padded ? String(n).padStart(begin.length, "0") : String(n));
  return values;
}
