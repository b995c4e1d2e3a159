export interface PackageState {
  name: string;
  /** dpkg's abbreviated status, e.g. "ii" (installed), "rc" (removed, config kept). */
  status: string;
  version: string;
  installed: boolean;
}

/** Parse `dpkg-query -W -f='${Package}\t${db:Status-Abbrev}\t${Version}\n'`. */
export function parseDpkgQuery(text: string): Map<string, PackageState> {
  const packages = new Map<string, PackageState>();
  for (const line of text.split("\n")) {
    const [name, rawStatus, version] = line.split("\t");
    if (!name || rawStatus === undefined) continue;
    const status = rawStatus.trim();
    packages.set(name, {
      name,
      status,
      version: version?.trim() ?? "",
      // "ii"/"hi" from ${db:Status-Abbrev}; "install ok installed" from ${Status}.
      installed: /^[ih]i/.test(status) || / ok installed$/.test(status),
    });
  }
  return packages;
}
