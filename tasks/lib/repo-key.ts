import type { CheckResult, PlanItem, StepContext } from "../../src/engine/step.js";
import { command, done, note, todo } from "../../src/engine/step.js";
import { StepError } from "../../src/errors.js";
import { shellQuote } from "../../src/hosts/shell.js";
import {
  armor,
  findKey,
  formatFingerprint,
  isExpired,
  type KeyBlock,
  normalizeFingerprint,
  readPublicKey,
  splitKeys,
} from "../../src/pgp.js";

export interface RepoKeySpec {
  /** Where the repository publishes its key. */
  url: string;
  /** The keyring file apt's Signed-By points at. */
  path: string;
  fingerprint: string;
  /** Keep the key ASCII-armored (.asc) or store it dearmored (.gpg). */
  store: "armored" | "binary";
}

/**
 * Done when the keyring holds the expected, unexpired key and nothing else, with mode 0644: apt
 * trusts every key in a Signed-By file, so a second key there is as good as a second repository key.
 */
export function checkRepoKey(ctx: StepContext, spec: RepoKeySpec): CheckResult {
  const existing = ctx.facts.keyrings.get(spec.path);
  const keys = existing ? keysIn(existing.content) : [];
  const expected = normalizeFingerprint(spec.fingerprint);
  const verified = keys.find((key) => key.fingerprint === expected);
  if (!existing || !verified) return todo(...fetchPlan(spec));
  const others = keys.filter((key) => key !== verified).map((key) => key.fingerprint);
  if (others.length > 0) {
    return todo(
      note(
        `${spec.path} also holds ${otherKeys(others)}; it will be rewritten with only ${formatFingerprint(expected)}`,
      ),
      ...fetchPlan(spec),
    );
  }
  // NVIDIA rotates signing sub-keys: an expired copy is fetched again even though its fingerprint matches.
  if (isExpired(readPublicKey(verified.bytes))) return todo(...fetchPlan(spec));
  if (existing.mode !== "644") return todo(command(`chmod 0644 ${spec.path}`));
  return done(`${spec.path} holds key ${formatFingerprint(expected)}`);
}

function fetchPlan(spec: RepoKeySpec): PlanItem[] {
  return [
    command(`curl -fsSL ${spec.url}  # verify fingerprint ${formatFingerprint(spec.fingerprint)}`),
    command(`install -m 0644 <verified key> ${spec.path}`),
  ];
}

/** The keys in a keyring file; none when it cannot be read as OpenPGP keys. */
function keysIn(content: Buffer): KeyBlock[] {
  try {
    return splitKeys(content);
  } catch {
    return [];
  }
}

/** "2 other key(s) (AAAA ..., BBBB ...)" */
function otherKeys(fingerprints: string[]): string {
  return `${fingerprints.length} other key(s) (${fingerprints.map(formatFingerprint).join(", ")})`;
}

/**
 * Fetch the key file, take the key with the expected fingerprint out of it before apt can see it,
 * then write that key alone, atomically. Other keys in the file are dropped, and the user is told.
 */
export async function installRepoKey(ctx: StepContext, spec: RepoKeySpec): Promise<void> {
  const { bytes, others } = verifiedKey(spec, await download(ctx, spec.url));
  const expected = formatFingerprint(spec.fingerprint);
  if (others.length > 0) {
    const dropped = `${spec.url} also held ${otherKeys(others)}; only ${expected} was written`;
    ctx.notice(dropped);
    ctx.log(dropped);
  }
  const content = spec.store === "armored" ? Buffer.from(armor(bytes), "latin1") : bytes;
  ctx.log(`verified ${expected}; writing ${spec.path}`);
  await ctx.host.writeFile(spec.path, content, { mode: "0644" });
}

async function download(ctx: StepContext, url: string): Promise<Buffer> {
  // Not a pipe: dash has no pipefail, and curl's failure (a 404, say) must fail the command.
  const fetch = `f=$(mktemp) && trap 'rm -f "$f"' EXIT && curl -fsSL --retry 2 -o "$f" ${shellQuote(url)} && base64 -w0 "$f"`;
  const fetched = await ctx.host.run(fetch, {
    label: `fetch ${url}`,
    timeoutMs: 120_000,
  });
  const raw = Buffer.from(fetched.stdout.trim(), "base64");
  if (raw.length === 0) throw new StepError(`${url} returned an empty key`);
  return raw;
}

/** The expected key's own packets, and the other keys the file held; throws when it is unusable. */
function verifiedKey(spec: RepoKeySpec, raw: Buffer): { bytes: Buffer; others: string[] } {
  let search: ReturnType<typeof findKey>;
  try {
    search = findKey(raw, spec.fingerprint);
  } catch (error) {
    throw new StepError(
      `${spec.url} is not an OpenPGP public key (${(error as Error).message}); nothing was written`,
    );
  }
  if (!search.found) {
    const got = search.fingerprints.map(formatFingerprint).join(" and ");
    throw new StepError(
      `key fingerprint mismatch for ${spec.url}: got ${got}, expected ${formatFingerprint(spec.fingerprint)}; nothing was written`,
    );
  }
  if (isExpired(readPublicKey(search.bytes))) {
    throw new StepError(`the key at ${spec.url} has expired; nothing was written`);
  }
  return search;
}
