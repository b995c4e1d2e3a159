import { CommandError } from "../errors.js";
import { redact } from "../redact.js";
import { shellQuote } from "./shell.js";
import type { ExecResult, Transport } from "./transport.js";

/** How the tool gains root on the host. The password never leaves this object except on stdin. */
export type Privilege =
  | { mode: "root" }
  | { mode: "sudo-nopasswd" }
  | { mode: "sudo-password"; password: string }
  | { mode: "none" };

export interface RunOptions {
  /** Run as root (through sudo when the login user is not root). */
  privileged?: boolean;
  stdin?: string;
  /** Kill the command after this long (coreutils `timeout`, so it works the same over SSH). */
  timeoutMs?: number;
  onOutput?: (chunk: string) => void;
  /** Throw CommandError on a non-zero exit (default true). */
  check?: boolean;
  /** What the command is called in errors and logs; defaults to its first line. */
  label?: string;
  /**
   * A second script run right after this one in the same round trip, with the same privilege
   * (whatever the first one's exit code), its standard input closed. Its output goes to `read`,
   * not into the result; it is not a command of its own (no transcript entry, no count).
   */
  followedBy?: { script: string; read(stdout: string): void };
}

/** Separates a command's own output from what its `followedBy` script printed. */
const FOLLOWED_BY_MARK = "@@vla-followed-by-7f3a";

export interface WriteFileOptions {
  mode: string;
  owner?: string;
}

export const PROXY_VARIABLES = [
  "http_proxy",
  "https_proxy",
  "no_proxy",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
] as const;

/**
 * sudo resets the environment, and what it keeps it writes to its log (`ENV=...`), as `env
 * NAME=value` would put it on a command line for `ps` to show. So the login user's proxy settings
 * reach root's commands as the first line of standard input, which this wrapper turns back into
 * variables before it runs the script given as $1.
 */
const WITH_ENV_FROM_STDIN = `IFS= read -r vla_env && eval "$vla_env" && eval "$1"`;

/** Every command is bounded: one that names no timeout of its own gets this one. */
export const DEFAULT_TIMEOUT_MS = 10 * 60_000;

/** A host the steps act on: privilege handling and file helpers on top of a transport. */
export class Host {
  /** Commands this host has run, for reports and benchmarks. */
  commandCount = 0;
  /** The scripts this host has run, in order (before sudo and timeout wrap them). */
  readonly transcript: string[] = [];
  /** The proxy variables every command gets (the login user's, or --proxy's; see WITH_ENV_FROM_STDIN). */
  privilegedEnv: Partial<Record<(typeof PROXY_VARIABLES)[number], string>> = {};

  constructor(
    readonly transport: Transport,
    public privilege: Privilege = { mode: "none" },
  ) {}

  get target(): string {
    return this.transport.target;
  }

  get loginUser(): string {
    return this.transport.loginUser;
  }

  async run(script: string, options: RunOptions = {}): Promise<ExecResult> {
    const followedBy = options.followedBy;
    const body = followedBy
      ? `sh -c ${shellQuote(script)}; vla_rc=$?; printf '\\n${FOLLOWED_BY_MARK}\\n'; sh -c ${shellQuote(followedBy.script)} </dev/null 2>/dev/null; exit $vla_rc`
      : script;
    const seconds = Math.ceil(
      ((options.timeoutMs ?? DEFAULT_TIMEOUT_MS) + (followedBy ? 300_000 : 0)) / 1000,
    );
    const timeout = `timeout -k 10 ${seconds}`;
    // The proxy variables reach every command as the first line of its standard input (never
    // its command line): sudo resets the environment, and --proxy is not in the login's.
    const env = this.envLine();
    let command = env
      ? `${timeout} sh -c ${shellQuote(WITH_ENV_FROM_STDIN)} vla-provision ${shellQuote(body)}`
      : `${timeout} sh -c ${shellQuote(body)}`;
    let stdin = env ? `${env}\n${options.stdin ?? ""}` : options.stdin;
    if (options.privileged && this.privilege.mode !== "root") {
      switch (this.privilege.mode) {
        case "sudo-nopasswd":
          command = `sudo -n -- ${command}`;
          break;
        case "sudo-password":
          // -k: never use cached credentials, so the password line is always consumed by sudo itself.
          command = `sudo -k -S -p '' -- ${command}`;
          stdin = `${this.privilege.password}\n${stdin ?? ""}`;
          break;
        case "none":
          throw new CommandError(
            options.label ?? firstLine(script),
            1,
            "",
            "no root privilege on this host",
          );
      }
    }
    this.commandCount++;
    this.transcript.push(script);
    const onOutput = options.onOutput;
    let streamed = "";
    const result = await this.transport.exec(command, {
      stdin,
      // The `followedBy` script's output is not the command's: stop streaming at the mark.
      onOutput:
        onOutput &&
        ((chunk) => {
          if (streamed.includes(FOLLOWED_BY_MARK)) return;
          streamed += chunk;
          const cut = streamed.indexOf(FOLLOWED_BY_MARK);
          onOutput(
            this.scrub(
              cut < 0 ? chunk : chunk.slice(0, Math.max(0, chunk.length - (streamed.length - cut))),
            ),
          );
        }),
    });
    let stdout = result.stdout;
    if (followedBy) {
      const cut = stdout.lastIndexOf(`\n${FOLLOWED_BY_MARK}\n`);
      if (cut >= 0) {
        followedBy.read(stdout.slice(cut + FOLLOWED_BY_MARK.length + 2));
        stdout = stdout.slice(0, cut);
      }
    }
    // The output is data (a fetched key, a file read back): returned as it came, since a short
    // secret can occur inside base64 by chance. What is shown is scrubbed: the streamed output
    // above, errors here, and every step's error and transcript in the runner.
    if (options.check !== false && result.code !== 0) {
      throw new CommandError(
        this.scrub(options.label ?? firstLine(script)),
        result.code,
        this.scrub(stdout),
        this.scrub(result.stderr),
      );
    }
    return { code: result.code, stdout, stderr: result.stderr };
  }

  /** The file's text, or undefined when it does not exist. */
  async readFile(
    path: string,
    options: { privileged?: boolean } = {},
  ): Promise<string | undefined> {
    const q = shellQuote(path);
    const result = await this.run(`if [ -e ${q} ]; then cat ${q}; else exit 3; fi`, {
      privileged: options.privileged,
      check: false,
      label: `read ${path}`,
    });
    if (result.code === 3) return undefined;
    if (result.code !== 0) throw new CommandError(`read ${path}`, result.code, "", result.stderr);
    return result.stdout;
  }

  /** Write as root, atomically: a temporary file in the same directory, then rename over the target. */
  async writeFile(
    path: string,
    content: string | Buffer,
    options: WriteFileOptions,
  ): Promise<void> {
    // Binary content travels as base64: stdin of a remote command is text.
    const binary = Buffer.isBuffer(content);
    const stdin = binary ? content.toString("base64") : content;
    await this.run(writeFileScript(path, options, binary), {
      privileged: true,
      stdin,
      label: `write ${path}`,
    });
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  /** `export name='value' ...` for the privileged commands' first stdin line, or "" when none. */
  private envLine(): string {
    // One line of stdin: a value with a line break (never a real proxy setting) is left out.
    const pairs = Object.entries(this.privilegedEnv).filter(
      ([, value]) => value && !/[\r\n]/.test(value),
    );
    return pairs.length
      ? `export ${pairs.map(([name, value]) => `${name}=${shellQuote(value ?? "")}`).join(" ")}`
      : "";
  }

  /** Remove the sudo password and proxy credentials from any text that leaves the host layer. */
  scrub(text: string): string {
    const secrets = Object.values(this.privilegedEnv).flatMap((value) => urlSecrets(value ?? ""));
    if (this.privilege.mode === "sudo-password") secrets.push(this.privilege.password);
    return secrets.length ? redact(text, secrets) : text;
  }
}

/** The script Host.writeFile runs: the content comes on stdin (base64 when binary). */
export function writeFileScript(path: string, options: WriteFileOptions, binary: boolean): string {
  const q = shellQuote(path);
  const owner = shellQuote(options.owner ?? "root:root");
  return [
    "set -e",
    `dir=$(dirname ${q})`,
    'mkdir -p "$dir"',
    'tmp=$(mktemp "$dir/.vla-provision.XXXXXX")',
    "trap 'rm -f \"$tmp\"' EXIT",
    binary ? 'base64 -d > "$tmp"' : 'cat > "$tmp"',
    `chmod ${shellQuote(options.mode)} "$tmp"`,
    `chown ${owner} "$tmp"`,
    `mv -f "$tmp" ${q}`,
    "trap - EXIT",
  ].join("\n");
}

/** The credentials in a proxy URL (`http://user:pass@proxy:3128`): the password, and user:pass. */
export function urlSecrets(value: string): string[] {
  const userinfo = /^[a-z][a-z0-9+.-]*:\/\/([^@/]*)@/i.exec(value.trim())?.[1];
  if (!userinfo) return [];
  const colon = userinfo.indexOf(":");
  if (colon < 0) return [userinfo];
  const password = userinfo.slice(colon + 1);
  const encoded = [password, decodeSafely(password)].filter((p) => p.length > 0);
  return [userinfo, ...new Set(encoded)];
}

function decodeSafely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function firstLine(script: string): string {
  const line = script.trim().split("\n")[0] ?? "";
  return line.length > 80 ? `${line.slice(0, 77)}...` : line;
}
