/**
 * The shell the workspace command runs on the host, as the login user (never through sudo), and
 * the parser of what the reading script prints. Building the text is pure; command.ts runs it.
 */
import { posix } from "node:path";
import { shellJoin, shellQuote } from "../hosts/shell.js";
import type { CurrentFile, FileWrite } from "./plan.js";

/** What the reading script found: who the user is, where the folder is, and its files. */
export interface FolderState {
  uid: number;
  gid: number;
  user: string;
  home: string;
  /** The project folder, absolute and normalized. */
  dir: string;
  dirState: "missing" | "writable" | "read-only" | "not-a-directory";
  files: Map<string, CurrentFile>;
}

/**
 * Resolves the folder (relative: to the shell's working directory, which is the home directory
 * over SSH; "~" and "~/..." to the home directory), then prints the user's ids and each file
 * (base64, so any content survives).
 */
export function readFolderScript(dir: string, paths: readonly string[]): string {
  return String.raw`dir=${shellQuote(dir)}
case $dir in "~") dir=$HOME ;; "~/"*) dir=$HOME/${"$"}{dir#"~/"} ;; esac
case $dir in /*) ;; *) dir=$(pwd -P)/$dir ;; esac
printf 'uid=%s\ngid=%s\nuser=%s\nhome=%s\ndir=%s\n' "$(id -u)" "$(id -g)" "$(id -un)" "$HOME" "$dir"
if [ -d "$dir" ]; then
  if [ -w "$dir" ]; then echo dir_state=writable; else echo dir_state=read-only; fi
elif [ -e "$dir" ]; then echo dir_state=not-a-directory
else echo dir_state=missing; fi
for f in ${shellJoin(paths)}; do
  p=$dir/$f
  if [ -L "$p" ]; then printf 'file\t%s\tlink\n' "$f"
  elif [ -f "$p" ]; then
    if [ -r "$p" ]; then printf 'file\t%s\tfile\t%s\n' "$f" "$(base64 < "$p" | tr -d '\n')"; else printf 'file\t%s\tunreadable\n' "$f"; fi
  elif [ -e "$p" ]; then printf 'file\t%s\tother\n' "$f"
  else printf 'file\t%s\tmissing\n' "$f"; fi
done
`;
}

export function parseFolderState(output: string): FolderState {
  const values: Record<string, string> = {};
  const files = new Map<string, CurrentFile>();
  for (const line of output.split("\n")) {
    if (line.startsWith("file\t")) {
      const [, path = "", kind = "", data = ""] = line.split("\t");
      if (kind === "file")
        files.set(path, { kind: "file", content: Buffer.from(data, "base64").toString("utf8") });
      else if (kind === "link" || kind === "other" || kind === "unreadable")
        files.set(path, { kind });
      else files.set(path, { kind: "missing" });
      continue;
    }
    const eq = line.indexOf("=");
    if (eq > 0) values[line.slice(0, eq)] ??= line.slice(eq + 1);
  }
  const dirState = values.dir_state;
  if (values.uid === undefined || values.dir === undefined || dirState === undefined)
    throw new Error("the project folder could not be read on the host");
  return {
    uid: Number(values.uid),
    gid: Number(values.gid ?? values.uid),
    user: values.user ?? "",
    home: values.home ?? "",
    dir: posix.normalize(values.dir).replace(/(.)\/$/, "$1"),
    dirState:
      dirState === "writable" || dirState === "read-only" || dirState === "not-a-directory"
        ? dirState
        : "missing",
    files,
  };
}

/**
 * Creates the cache dir (and its home/) when missing, then writes each file atomically (a
 * temporary file beside it, then rename), its content read from standard input, one base64 line per
 * file in order. Prints `cache=created` or `cache=exists`. Runs as the login user: everything it
 * creates is the user's.
 */
export function applyScript(dir: string, cacheDir: string, writes: readonly FileWrite[]): string {
  const lines = [
    "set -eu",
    `dir=${shellQuote(dir)}`,
    `cache=${shellQuote(cacheDir)}`,
    'if [ -d "$cache" ]; then echo cache=exists; else mkdir -p "$cache"; echo cache=created; fi',
    '[ -d "$cache/home" ] || mkdir "$cache/home"',
  ];
  if (writes.length > 0)
    lines.push(
      "tmp=''",
      `trap 'rm -f "$tmp"' EXIT`,
      "put() {",
      "  target=$dir/$1",
      '  parent=$(dirname "$target")',
      '  mkdir -p "$parent"',
      '  tmp=$(mktemp "$parent/.vla-provision.XXXXXX")',
      "  IFS= read -r data",
      '  printf \'%s\' "$data" | base64 -d > "$tmp"',
      '  chmod "$2" "$tmp"',
      '  mv -f "$tmp" "$target"',
      "  tmp=''",
      "}",
      "backup() {",
      '  mkdir -p "$(dirname "$dir/$2")"',
      '  cp -p "$dir/$1" "$dir/$2"',
      "}",
    );
  for (const write of writes) {
    if (write.backupTo)
      lines.push(`backup ${shellQuote(write.path)} ${shellQuote(write.backupTo)}`);
    lines.push(`put ${shellQuote(write.path)} ${write.mode}`);
  }
  return `${lines.join("\n")}\n`;
}

/** The standard input applyScript reads: each file's content as one base64 line. */
export function applyInput(writes: readonly FileWrite[]): string {
  return writes
    .map((write) => `${Buffer.from(write.content, "utf8").toString("base64")}\n`)
    .join("");
}

/** A dry run changes nothing: it only looks whether the cache dir is there. */
export function cacheCheckScript(cacheDir: string): string {
  return `if [ -d ${shellQuote(cacheDir)} ]; then echo cache=exists; else echo cache=missing; fi\n`;
}
