import type { Host } from "../hosts/host.js";
import { shellQuote } from "../hosts/shell.js";
import { parsePackagesIndex } from "./apt.js";

/**
 * The versions a repository offers, read from its Packages index without touching apt's state,
 * so a pinned version can be checked before anything on the host changes.
 */
export async function fetchOfferedVersions(
  host: Host,
  packagesUrl: string,
): Promise<Map<string, string[]>> {
  const url = shellQuote(packagesUrl);
  const gz = shellQuote(`${packagesUrl}.gz`);
  const result = await host.run(
    `curl -fsSL --retry 2 ${url} 2>/dev/null || curl -fsSL --retry 2 ${gz} | gzip -dc`,
    { label: `fetch ${packagesUrl}`, timeoutMs: 120_000 },
  );
  return parsePackagesIndex(result.stdout);
}
