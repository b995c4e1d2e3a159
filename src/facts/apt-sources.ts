export interface AptSourceEntry {
  file: string;
  format: "one-line" | "deb822";
  types: string[];
  uris: string[];
  suites: string[];
  components: string[];
  signedBy?: string;
  architectures?: string[];
  enabled: boolean;
}

/** Parse a sources file in either format (by extension: `.sources` is deb822). */
export function parseAptSourceFile(file: string, text: string): AptSourceEntry[] {
  return file.endsWith(".sources") ? parseDeb822(file, text) : parseOneLine(file, text);
}

function parseOneLine(file: string, text: string): AptSourceEntry[] {
  const entries: AptSourceEntry[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*$/, "").trim();
    const match = /^(deb|deb-src)\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!match) continue;
    const options = parseOptions(match[2] ?? "");
    entries.push({
      file,
      format: "one-line",
      types: [match[1] ?? "deb"],
      uris: [match[3] ?? ""],
      suites: [match[4] ?? ""],
      components: (match[5] ?? "").split(/\s+/).filter(Boolean),
      signedBy: options["signed-by"],
      architectures: options.arch?.split(","),
      enabled: true,
    });
  }
  return entries;
}

function parseOptions(text: string): Record<string, string> {
  const options: Record<string, string> = {};
  for (const pair of text.trim().split(/\s+/).filter(Boolean)) {
    const eq = pair.indexOf("=");
    if (eq > 0) options[pair.slice(0, eq).toLowerCase()] = pair.slice(eq + 1);
  }
  return options;
}

function parseDeb822(file: string, text: string): AptSourceEntry[] {
  const entries: AptSourceEntry[] = [];
  const stanzas = text
    .split("\n")
    .filter((l) => !l.startsWith("#"))
    .join("\n")
    .split(/\n\s*\n/);
  for (const stanza of stanzas) {
    const fields = new Map<string, string>();
    let last = "";
    for (const line of stanza.split("\n")) {
      if (/^\s/.test(line) && last) {
        fields.set(last, `${fields.get(last) ?? ""}\n${line.trim()}`);
        continue;
      }
      const colon = line.indexOf(":");
      if (colon <= 0) continue;
      last = line.slice(0, colon).trim().toLowerCase();
      fields.set(last, line.slice(colon + 1).trim());
    }
    if (!fields.has("uris")) continue;
    const words = (key: string) => (fields.get(key) ?? "").split(/\s+/).filter(Boolean);
    const signedBy = fields.get("signed-by");
    entries.push({
      file,
      format: "deb822",
      types: words("types"),
      uris: words("uris"),
      suites: words("suites"),
      components: words("components"),
      // An inline key block (starts with "-----BEGIN") is kept as-is.
      signedBy: signedBy?.includes("\n") ? signedBy : signedBy?.trim(),
      architectures: fields.has("architectures") ? words("architectures") : undefined,
      enabled: (fields.get("enabled") ?? "yes").toLowerCase() !== "no",
    });
  }
  return entries;
}

/** True when the URI points at the repository base (scheme and trailing slashes ignored). */
export function sameRepository(uri: string, base: string): boolean {
  const norm = (u: string) => u.replace(/^https?:\/\//, "").replace(/\/+$/, "");
  return norm(uri) === norm(base);
}
