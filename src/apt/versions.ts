import semver from "semver";

/** The upstream part of an apt version as semver: "5:27.5.1-1~ubuntu.24.04~noble" -> "27.5.1". */
export function upstreamSemver(aptVersion: string): string | undefined {
  const noEpoch = aptVersion.replace(/^\d+:/, "");
  // Docker's old scheme "20.10.14~3-0~ubuntu-jammy" has hyphens in the revision: cut at the first
  // one, and drop the numeric "~N" packaging iteration before it.
  const firstHyphen = noEpoch.indexOf("-");
  const upstream = (firstHyphen > 0 ? noEpoch.slice(0, firstHyphen) : noEpoch)
    .replace(/~\d+$/, "")
    .replace(/~/g, "-");
  return semver.valid(upstream) ?? semver.coerce(upstream)?.version ?? undefined;
}

export function satisfiesRange(aptVersion: string, range: string): boolean {
  const version = upstreamSemver(aptVersion);
  return version !== undefined && semver.satisfies(version, range);
}

export type Resolution = { ok: true; version: string } | { ok: false; error: string };

/** The newest offered apt version whose upstream part satisfies the semver range. */
export function resolveVersion(
  packageName: string,
  range: string,
  offered: readonly string[],
): Resolution {
  const candidates = offered
    .map((apt) => ({ apt, sem: upstreamSemver(apt) }))
    .filter((c): c is { apt: string; sem: string } => c.sem !== undefined);
  const matching = candidates.filter((c) => semver.satisfies(c.sem, range));
  matching.sort(
    (a, b) => semver.rcompare(a.sem, b.sem) || b.apt.localeCompare(a.apt, "en", { numeric: true }),
  );
  const best = matching[0];
  if (best) return { ok: true, version: best.apt };
  const available = [...new Set(candidates.map((c) => c.sem))].sort(semver.rcompare);
  return {
    ok: false,
    error: `no ${packageName} version satisfies "${range}"; the repository offers: ${available.join(", ") || "none"}`,
  };
}
