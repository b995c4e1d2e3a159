export interface Section {
  name: string;
  body: string;
  code: number;
}

/** Split the probe's output into its sections (`@@vla <name>` ... `@@vla-rc <code>`). */
export function splitSections(output: string): Map<string, Section> {
  const sections = new Map<string, Section>();
  const pattern = /^@@vla (.+)\n([\s\S]*?)\n?@@vla-rc (\d+)$/gm;
  for (const match of output.matchAll(pattern)) {
    const name = match[1] ?? "";
    sections.set(name, { name, body: match[2] ?? "", code: Number(match[3]) });
  }
  return sections;
}

/** `key=value` lines into a record; later keys win. */
export function keyValues(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of body.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}
