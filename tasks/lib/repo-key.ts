import { otherKeys } from "../../src/actions/execute.js";
import { type InstallKey, note } from "../../src/actions/types.js";
import { done, type PlanContext, type StepPlan, todo } from "../../src/engine/step.js";
import {
  formatFingerprint,
  isExpired,
  type KeyBlock,
  normalizeFingerprint,
  readPublicKey,
  splitKeys,
} from "../../src/pgp.js";

/**
 * Done when the keyring holds the expected, unexpired key and nothing else, with mode 0644: apt
 * trusts every key in a Signed-By file, so a second key there is as good as a second repository key.
 */
export function planRepoKey({ facts }: PlanContext, install: InstallKey): StepPlan {
  const existing = facts.keyrings.get(install.path);
  const keys = existing ? keysIn(existing.content) : [];
  const expected = normalizeFingerprint(install.fingerprint);
  const verified = keys.find((key) => key.fingerprint === expected);
  if (!existing || !verified) return todo(install);
  const others = keys.filter((key) => key !== verified).map((key) => key.fingerprint);
  if (others.length > 0) {
    return todo(
      note(
        `${install.path} also holds ${otherKeys(others)}; it will be rewritten with only ${formatFingerprint(expected)}`,
      ),
      install,
    );
  }
  // NVIDIA rotates signing sub-keys: an expired copy is fetched again even though its fingerprint matches.
  if (isExpired(readPublicKey(verified.bytes))) return todo(install);
  if (existing.mode !== "644") return todo({ kind: "set-mode", path: install.path, mode: "0644" });
  return done(`${install.path} holds key ${formatFingerprint(expected)}`);
}

/** The keys in a keyring file; none when it cannot be read as OpenPGP keys. */
function keysIn(content: Buffer): KeyBlock[] {
  try {
    return splitKeys(content);
  } catch {
    return [];
  }
}
