export interface OsRelease {
  id: string;
  idLike: string[];
  versionId: string;
  codename: string;
  prettyName: string;
}

/** Parse /etc/os-release (shell-style assignments, values optionally quoted). */
export function parseOsRelease(text: string): OsRelease {
  const values: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (!match?.[1]) continue;
    values[match[1]] = unquote(match[2] ?? "");
  }
  return {
    id: values.ID ?? "",
    idLike: (values.ID_LIKE ?? "").split(/\s+/).filter(Boolean),
    versionId: values.VERSION_ID ?? "",
    codename: values.VERSION_CODENAME || values.UBUNTU_CODENAME || "",
    prettyName: values.PRETTY_NAME ?? "",
  };
}

function unquote(value: string): string {
  const v = value.trim();
  if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) {
    return v.slice(1, -1).replace(/\\(["$`\\])/g, "$1");
  }
  return v;
}
