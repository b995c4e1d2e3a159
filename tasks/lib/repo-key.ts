import type { CheckResult, StepContext } from "../../src/engine/step.js";
import { command, done, todo } from "../../src/engine/step.js";
import { StepError } from "../../src/errors.js";
import { shellQuote } from "../../src/hosts/shell.js";
import {
  dearmor,
  formatFingerprint,
  isExpired,
  normalizeFingerprint,
  readPublicKey,
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

/** Done when the keyring holds the expected, unexpired key with mode 0644. */
export function checkRepoKey(ctx: StepContext, spec: RepoKeySpec): CheckResult {
  const fetchPlan = todo(
    command(`curl -fsSL ${spec.url}  # verify fingerprint ${formatFingerprint(spec.fingerprint)}`),
    command(`install -m 0644 <verified key> ${spec.path}`),
  );
  const existing = ctx.facts.keyrings.get(spec.path);
  if (!existing) return fetchPlan;
  let key: ReturnType<typeof readPublicKey>;
  try {
    key = readPublicKey(existing.content);
  } catch {
    return fetchPlan;
  }
  if (key.fingerprint !== normalizeFingerprint(spec.fingerprint)) return fetchPlan;
  // NVIDIA rotates signing sub-keys: an expired copy is fetched again even though its fingerprint matches.
  if (isExpired(key)) return fetchPlan;
  if (existing.mode !== "644") return todo(command(`chmod 0644 ${spec.path}`));
  return done(`${spec.path} holds key ${formatFingerprint(key.fingerprint)}`);
}

/** Fetch the key, verify its fingerprint before apt can see it, then write it atomically. */
export async function installRepoKey(ctx: StepContext, spec: RepoKeySpec): Promise<void> {
  const fetched = await ctx.host.run(`curl -fsSL --retry 2 ${shellQuote(spec.url)} | base64 -w0`, {
    label: `fetch ${spec.url}`,
    timeoutMs: 120_000,
  });
  const raw = Buffer.from(fetched.stdout.trim(), "base64");
  if (raw.length === 0) throw new StepError(`${spec.url} returned an empty key`);
  let key: ReturnType<typeof readPublicKey>;
  try {
    key = readPublicKey(raw);
  } catch (error) {
    throw new StepError(
      `${spec.url} is not an OpenPGP public key (${(error as Error).message}); nothing was written`,
    );
  }
  const expected = normalizeFingerprint(spec.fingerprint);
  if (key.fingerprint !== expected) {
    throw new StepError(
      `key fingerprint mismatch for ${spec.url}: got ${formatFingerprint(key.fingerprint)}, expected ${formatFingerprint(expected)}; nothing was written`,
    );
  }
  if (isExpired(key)) {
    throw new StepError(`the key at ${spec.url} has expired; nothing was written`);
  }
  const armoredText = raw.toString("latin1");
  const content =
    spec.store === "binary" && armoredText.includes("-----BEGIN PGP") ? dearmor(armoredText) : raw;
  ctx.log(`verified ${formatFingerprint(key.fingerprint)}; writing ${spec.path}`);
  await ctx.host.writeFile(spec.path, content, { mode: "0644" });
}
