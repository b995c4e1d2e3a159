// bench/RESULTS.md is a list of `### ` sections; a part of the benchmark (`--only ...`) measures
// one of them and puts it in place of the old one, leaving the others as they are.

/** A markdown table under a `### ` heading, with an optional note below it. */
export function renderTable(title, header, rows, note) {
  const lines = [
    `### ${title}`,
    "",
    `| ${header.join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
  ];
  for (const row of rows) lines.push(`| ${row.join(" | ")} |`);
  if (note) lines.push("", note);
  return lines.join("\n");
}

const literal = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The section whose heading starts with `### ${prefix}`, up to the next `### ` heading or the end. */
function sectionPattern(prefix) {
  return new RegExp(`(?:^|\\n)### ${literal(prefix)}[^\\n]*(?:\\n(?!### )[^\\n]*)*`);
}

/** The text of the section whose heading starts with `prefix` (trimmed), or undefined. */
export function sectionOf(text, prefix) {
  const match = sectionPattern(prefix).exec(text);
  return match ? match[0].trim() : undefined;
}

/**
 * `text` with the section whose heading starts with `prefix` replaced by `section`; without one,
 * `section` goes after the section whose heading starts with `after` (when given and present),
 * else at the end.
 */
export function replaceSection(text, prefix, section, { after } = {}) {
  const body = section.trim();
  const own = sectionPattern(prefix).exec(text);
  if (own) {
    const lead = own[0].startsWith("\n") ? "\n" : "";
    const start = own.index + lead.length;
    const end = own.index + own[0].length;
    return `${text.slice(0, start)}${body}\n${text.slice(end).replace(/^\n*/, "\n")}`
      .replace(/\n{3,}/g, "\n\n")
      .replace(/\n*$/, "\n");
  }
  const anchor = after ? sectionPattern(after).exec(text) : null;
  if (anchor) {
    const end = anchor.index + anchor[0].length;
    return `${text.slice(0, end).trimEnd()}\n\n${body}\n\n${text.slice(end).trimStart()}`
      .replace(/\n{3,}/g, "\n\n")
      .replace(/\n*$/, "\n");
  }
  return `${text.trimEnd()}${text.trim() ? "\n\n" : ""}${body}\n`;
}
