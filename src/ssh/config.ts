/**
 * OpenSSH client configuration (ssh_config(5)), read and resolved for one host the way ssh(1) does:
 * the first value obtained for a keyword wins, except IdentityFile, which accumulates.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { homedir, hostname as localHostName, userInfo } from "node:os";
import { isAbsolute, join } from "node:path";
import { UsageError } from "../errors.js";

/** One `Keyword args...` line. `keyword` is lower-case; `included` holds the files an Include read. */
export interface SshConfigDirective {
  keyword: string;
  args: string[];
  file: string;
  line: number;
  included?: SshConfigDocument[];
}

export interface SshConfigDocument {
  file: string;
  directives: SshConfigDirective[];
}

/** As ssh(1) understands it: "off" and "false" read as "no", "true" as "yes". */
export type StrictHostKeyChecking = "yes" | "no" | "accept-new" | "ask";

export interface ResolvedSshConfig {
  /** The name the host was asked for by (what `Host` patterns are matched against). */
  alias: string;
  /** HostName (with %h expanded), lower-cased as ssh(1) does; the alias when unset. */
  hostName: string;
  /** `opts.user` when given, else User; unset when neither says (ssh(1) would use the local user). */
  user?: string;
  /** `opts.port` when given, else Port; unset when neither says (ssh(1) would use 22). */
  port?: number;
  /** IdentityFile values in order, `~`, `${VAR}` and % tokens expanded; empty when none is set. */
  identityFiles: string[];
  identitiesOnly?: boolean;
  strictHostKeyChecking?: StrictHostKeyChecking;
  /** Expanded; ~/.ssh/known_hosts and ~/.ssh/known_hosts2 when unset; empty for `none`. */
  userKnownHostsFiles: string[];
  /**
   * As written (ssh(1) expands nothing in them); empty for `none`; unset when the config does not
   * say, for the caller to apply GLOBAL_KNOWN_HOSTS_FILES.
   */
  globalKnownHostsFiles?: string[];
  /** Whether a newly accepted host key is recorded under a hashed name. */
  hashKnownHosts?: boolean;
  /** Directives that change where or how to connect and that this resolver does not honour. */
  unsupported: UnsupportedDirective[];
}

/** A directive the resolver read but cannot honour; `args` is set for Match (its criteria). */
export interface UnsupportedDirective {
  keyword: string;
  args?: string[];
  file: string;
  line: number;
}

export interface ResolveOptions {
  /** Values from the command line: like ssh's -l and -p, they win over the config. */
  user?: string;
  port?: number;
  /** For `~`, %d and relative Include paths; default: the current user's home directory. */
  home?: string;
  /** For %u; default: the current user's name. */
  localUser?: string;
  env?: Record<string, string | undefined>;
}

export interface LoadOptions {
  home?: string;
  /** A system-wide file (/etc/ssh/ssh_config) resolves relative Includes in /etc/ssh, not ~/.ssh. */
  system?: boolean;
}

/** A malformed config file: bad input, so the CLI exits 2. */
export class SshConfigError extends UsageError {}

// Keywords that would send the connection elsewhere or authenticate differently if honoured.
const UNSUPPORTED_KEYWORDS = new Set([
  "proxyjump",
  "proxycommand",
  "hostkeyalias",
  "certificatefile",
  "canonicalizehostname",
]);

/** OpenSSH's GlobalKnownHostsFile when ssh_config sets none. */
export const GLOBAL_KNOWN_HOSTS_FILES: readonly string[] = [
  "/etc/ssh/ssh_known_hosts",
  "/etc/ssh/ssh_known_hosts2",
];

// ssh(1) stops following Include this deep (READCONF_MAX_DEPTH).
const MAX_INCLUDE_DEPTH = 16;

/** Parses config text; Include directives are kept but not read (see loadSshConfig). */
export function parseSshConfig(text: string, file = "<ssh config>"): SshConfigDocument {
  const directives: SshConfigDirective[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const match = /^\s*([^\s=]+)\s*(?:=\s*)?(.*)$/.exec(raw);
    if (!match?.[1] || match[1].startsWith("#")) return;
    const args = splitArguments(match[2] ?? "", () => `${file}:${line}`);
    directives.push({ keyword: match[1].toLowerCase(), args, file, line });
  });
  return { file, directives };
}

/** Reads a config file and, recursively, the files its Include directives name. */
export async function loadSshConfig(
  path: string,
  opts: LoadOptions = {},
): Promise<SshConfigDocument> {
  const text = await readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
    throw new SshConfigError(`Cannot read SSH config file ${path}: ${error.code ?? error.message}`);
  });
  return readIncludes(parseSshConfig(text, path), opts, 0);
}

async function readIncludes(
  doc: SshConfigDocument,
  opts: LoadOptions,
  depth: number,
): Promise<SshConfigDocument> {
  const home = opts.home ?? homedir();
  for (const directive of doc.directives) {
    if (directive.keyword !== "include") continue;
    if (depth >= MAX_INCLUDE_DEPTH) {
      throw new SshConfigError(`${where(directive)}: Include nested too deeply`);
    }
    directive.included = [];
    for (const arg of directive.args) {
      const expanded = expandTilde(arg, home);
      const base = opts.system ? "/etc/ssh" : join(home, ".ssh");
      const pattern = isAbsolute(expanded) ? expanded : join(base, expanded);
      for (const file of await globFiles(pattern)) {
        // Like ssh(1): an included file that cannot be read is skipped.
        const text = await readFile(file, "utf8").catch(() => undefined);
        if (text === undefined) continue;
        directive.included.push(await readIncludes(parseSshConfig(text, file), opts, depth + 1));
      }
    }
  }
  return doc;
}

/** Resolves the settings for `alias`; from text, Include directives are not followed. */
export function resolveSshConfig(
  config: SshConfigDocument | string,
  alias: string,
  opts: ResolveOptions = {},
): ResolvedSshConfig {
  const doc = typeof config === "string" ? parseSshConfig(config) : config;
  const found = collectValues(doc, alias);
  const home = opts.home ?? homedir();
  const env = opts.env ?? process.env;

  const user = opts.user ?? found.user;
  const port = opts.port ?? found.port;
  const hostName = expandTokens(
    found.hostName?.arg ?? "%h",
    { "%": "%", h: alias },
    found.hostName,
  );
  const resolved: ResolvedSshConfig = {
    alias,
    hostName: hostName.toLowerCase(),
    identityFiles: [],
    userKnownHostsFiles: [],
    unsupported: found.unsupported,
  };
  if (user !== undefined) resolved.user = user;
  if (port !== undefined) resolved.port = port;
  if (found.identitiesOnly !== undefined) resolved.identitiesOnly = found.identitiesOnly;
  if (found.strictHostKeyChecking !== undefined) {
    resolved.strictHostKeyChecking = found.strictHostKeyChecking;
  }
  if (found.hashKnownHosts !== undefined) resolved.hashKnownHosts = found.hashKnownHosts;
  const globalKnownHosts = found.globalKnownHostsFiles;
  if (globalKnownHosts !== undefined) {
    resolved.globalKnownHostsFiles = isNone(globalKnownHosts)
      ? []
      : globalKnownHosts.map((file) => file.arg);
  }

  const localUser = opts.localUser ?? currentUserName();
  const tokens: Record<string, string> = {
    "%": "%",
    d: home,
    h: resolved.hostName,
    u: localUser,
    r: user ?? localUser,
    p: String(port ?? 22),
    n: alias,
    l: localHostName(),
    L: localHostName().split(".")[0] ?? "",
  };
  const expandPath = (value: Located) =>
    expandTokens(expandVariables(expandTilde(value.arg, home), env, value), tokens, value);

  resolved.identityFiles = found.identityFiles.map(expandPath);
  const knownHosts = found.userKnownHostsFiles ?? [
    { arg: "~/.ssh/known_hosts", file: "<default>", line: 0 },
    { arg: "~/.ssh/known_hosts2", file: "<default>", line: 0 },
  ];
  resolved.userKnownHostsFiles = isNone(knownHosts) ? [] : knownHosts.map(expandPath);
  return resolved;
}

function isNone(files: Located[]): boolean {
  return files.length === 1 && files[0]?.arg.toLowerCase() === "none";
}

/** A value and where it was written, for error messages. */
interface Located {
  arg: string;
  file: string;
  line: number;
}

interface CollectedValues {
  hostName?: Located;
  user?: string;
  port?: number;
  identityFiles: Located[];
  identitiesOnly?: boolean;
  strictHostKeyChecking?: StrictHostKeyChecking;
  userKnownHostsFiles?: Located[];
  globalKnownHostsFiles?: Located[];
  hashKnownHosts?: boolean;
  unsupported: UnsupportedDirective[];
}

function collectValues(doc: SshConfigDocument, alias: string): CollectedValues {
  const values: CollectedValues = { identityFiles: [], unsupported: [] };
  walk(doc, { active: true, neverMatch: false });
  return values;

  function walk(current: SshConfigDocument, state: { active: boolean; neverMatch: boolean }) {
    for (const directive of current.directives) {
      switch (directive.keyword) {
        case "host":
          state.active = !state.neverMatch && hostPatternsMatch(directive, alias);
          break;
        case "match":
          // Only `Match all` is understood. Other criteria (host, user, exec, canonical, final,
          // ...) are evaluated by ssh(1) for every connection, so whichever host is asked for,
          // the outcome is unknown: reported, unless it sits in an Include that brings in nothing.
          if (!isMatchAll(directive) && !state.neverMatch) noteUnsupported(directive);
          state.active = !state.neverMatch && isMatchAll(directive);
          break;
        case "include": {
          const outerActive = state.active;
          for (const included of directive.included ?? []) {
            // An Include in a block that does not apply brings in nothing; a Host or Match line
            // inside an included file does not change the including file's state (as readconf.c).
            walk(included, { active: outerActive, neverMatch: state.neverMatch || !outerActive });
            state.active = outerActive;
          }
          break;
        }
        default:
          if (state.active) take(directive);
      }
    }
  }

  function take(directive: SshConfigDirective) {
    const first = directive.args[0];
    const at = { file: directive.file, line: directive.line };
    if (first === undefined) throw new SshConfigError(`${where(directive)}: missing argument`);
    switch (directive.keyword) {
      case "hostname":
        values.hostName ??= { arg: first, ...at };
        break;
      case "user":
        values.user ??= first;
        break;
      case "port":
        values.port ??= parseConfigPort(first, directive);
        break;
      case "identityfile":
        values.identityFiles.push({ arg: first, ...at });
        break;
      case "identitiesonly":
        values.identitiesOnly ??= parseYesNo(first, directive);
        break;
      case "stricthostkeychecking":
        values.strictHostKeyChecking ??= parseStrictHostKeyChecking(first, directive);
        break;
      case "userknownhostsfile":
        values.userKnownHostsFiles ??= directive.args.map((arg) => ({ arg, ...at }));
        break;
      case "globalknownhostsfile":
        values.globalKnownHostsFiles ??= directive.args.map((arg) => ({ arg, ...at }));
        break;
      case "hashknownhosts":
        values.hashKnownHosts ??= parseYesNo(first, directive);
        break;
      default:
        if (UNSUPPORTED_KEYWORDS.has(directive.keyword)) noteUnsupported(directive);
    }
  }

  /** Notes the first directive of each unsupported keyword. */
  function noteUnsupported(directive: SshConfigDirective) {
    if (values.unsupported.some((u) => u.keyword === directive.keyword)) return;
    const { keyword, file, line } = directive;
    const args = keyword === "match" ? { args: directive.args } : {};
    values.unsupported.push({ keyword, ...args, file, line });
  }
}

function isMatchAll(directive: SshConfigDirective): boolean {
  return directive.args.join(" ").toLowerCase() === "all";
}

function hostPatternsMatch(directive: SshConfigDirective, alias: string): boolean {
  if (directive.args.length === 0)
    throw new SshConfigError(`${where(directive)}: Host without a pattern`);
  let matched = false;
  for (const arg of directive.args) {
    const negated = arg.startsWith("!");
    if (!matchSshPattern(alias, negated ? arg.slice(1) : arg)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

/** ssh(1)'s match_pattern: `*` is any run of characters, `?` any one; case-sensitive. */
export function matchSshPattern(value: string, pattern: string): boolean {
  return wildcardRegExp(pattern).test(value);
}

function wildcardRegExp(pattern: string): RegExp {
  const source = [...pattern]
    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[\\^$.|+()[\]{}/-]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`, "s");
}

/** Splits arguments as ssh(1)'s argv_split: quotes, backslash escapes, `#` starting a comment. */
function splitArguments(text: string, location: () => string): string[] {
  const args: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === " " || c === "\t") {
      i++;
      continue;
    }
    if (c === "#") break;
    let arg = "";
    let quote = "";
    for (; i < text.length; i++) {
      const ch = text[i] as string;
      const next = text[i + 1];
      if (ch === "\\") {
        const escapable = next === "'" || next === '"' || next === "\\" || (!quote && next === " ");
        if (escapable) i++;
        arg += escapable ? next : ch;
      } else if (!quote && (ch === " " || ch === "\t")) break;
      else if (!quote && (ch === '"' || ch === "'")) quote = ch;
      else if (quote && ch === quote) quote = "";
      else arg += ch;
    }
    if (quote) throw new SshConfigError(`${location()}: unterminated quoted string`);
    args.push(arg);
  }
  return args;
}

function parseConfigPort(value: string, directive: SshConfigDirective): number {
  const port = /^\d{1,5}$/.test(value) ? Number(value) : 0;
  if (port < 1 || port > 65535) throw new SshConfigError(`${where(directive)}: bad port ${value}`);
  return port;
}

function parseYesNo(value: string, directive: SshConfigDirective): boolean {
  const lower = value.toLowerCase();
  if (lower === "yes" || lower === "true") return true;
  if (lower === "no" || lower === "false") return false;
  throw new SshConfigError(`${where(directive)}: expected yes or no, got ${value}`);
}

function parseStrictHostKeyChecking(
  value: string,
  directive: SshConfigDirective,
): StrictHostKeyChecking {
  const lower = value.toLowerCase();
  if (lower === "yes" || lower === "true") return "yes";
  if (lower === "no" || lower === "false" || lower === "off") return "no";
  if (lower === "ask" || lower === "accept-new") return lower;
  throw new SshConfigError(`${where(directive)}: bad StrictHostKeyChecking value ${value}`);
}

function expandTilde(path: string, home: string): string {
  if (path === "~") return home;
  return path.startsWith("~/") ? join(home, path.slice(2)) : path;
}

function expandVariables(
  path: string,
  env: Record<string, string | undefined>,
  at: { file: string; line: number },
): string {
  return path.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const value = env[name];
    if (value === undefined) {
      throw new SshConfigError(`${at.file}:${at.line}: environment variable ${name} is not set`);
    }
    return value;
  });
}

function expandTokens(
  text: string,
  tokens: Record<string, string>,
  at: { file: string; line: number } | undefined,
): string {
  return text.replace(/%(.?)/gs, (whole, key: string) => {
    const value = tokens[key];
    if (value === undefined) {
      const location = at ? `${at.file}:${at.line}: ` : "";
      throw new SshConfigError(`${location}unknown token ${whole || "%"} in ${text}`);
    }
    return value;
  });
}

/** os.userInfo() throws where the uid has no passwd entry (some containers). */
function currentUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.LOGNAME ?? "";
  }
}

function where(directive: SshConfigDirective): string {
  return `${directive.file}:${directive.line}`;
}

/** glob(3) as ssh(1) uses it for Include: `*` and `?`, hidden files only for a leading `.`. */
async function globFiles(pattern: string): Promise<string[]> {
  const segments = pattern.split("/").filter(Boolean);
  let candidates = ["/"];
  for (const segment of segments) {
    const next: string[] = [];
    for (const dir of candidates) {
      if (!/[*?]/.test(segment)) {
        next.push(join(dir, segment));
        continue;
      }
      const names = await readdir(dir).catch(() => [] as string[]);
      const re = wildcardRegExp(segment);
      for (const name of names.sort()) {
        if (name.startsWith(".") && !segment.startsWith(".")) continue;
        if (re.test(name)) next.push(join(dir, name));
      }
    }
    candidates = next;
  }
  const files: string[] = [];
  for (const candidate of candidates) {
    if ((await stat(candidate).catch(() => undefined))?.isFile()) files.push(candidate);
  }
  return files;
}
