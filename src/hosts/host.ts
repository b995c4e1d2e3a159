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
}

export interface WriteFileOptions {
  mode: string;
  owner?: string;
}

const PROXY_VARIABLES = [
  "http_proxy",
  "https_proxy",
  "no_proxy",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
];

/** sudo resets the environment; hand the login user's proxy settings through when they are set. */
const FORWARDED_ENV = PROXY_VARIABLES.map((name) => `\${${name}+"${name}=$${name}"}`).join(" ");

/** A host the steps act on: privilege handling and file helpers on top of a transport. */
export class Host {
  /** Commands this host has run, for reports and benchmarks. */
  commandCount = 0;

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
    const timed = options.timeoutMs
      ? `timeout -k 10 ${Math.ceil(options.timeoutMs / 1000)} sh -c ${shellQuote(script)}`
      : `sh -c ${shellQuote(script)}`;
    let command = timed;
    let stdin = options.stdin;
    if (options.privileged) {
      switch (this.privilege.mode) {
        case "root":
          break;
        case "sudo-nopasswd":
          command = `sudo -n -- env ${FORWARDED_ENV} ${timed}`;
          break;
        case "sudo-password":
          // -k: never use cached credentials, so the password line is always consumed by sudo itself.
          command = `sudo -k -S -p '' -- env ${FORWARDED_ENV} ${timed}`;
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
    const onOutput = options.onOutput;
    const result = await this.transport.exec(command, {
      stdin,
      onOutput: onOutput && ((chunk) => onOutput(this.scrub(chunk))),
    });
    const clean = {
      code: result.code,
      stdout: this.scrub(result.stdout),
      stderr: this.scrub(result.stderr),
    };
    if (options.check !== false && clean.code !== 0) {
      throw new CommandError(
        this.scrub(options.label ?? firstLine(script)),
        clean.code,
        clean.stdout,
        clean.stderr,
      );
    }
    return clean;
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
    const q = shellQuote(path);
    const owner = shellQuote(options.owner ?? "root:root");
    const script = [
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
    const stdin = binary ? content.toString("base64") : content;
    await this.run(script, { privileged: true, stdin, label: `write ${path}` });
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  /** Remove the sudo password from any text that leaves the host layer. */
  scrub(text: string): string {
    return this.privilege.mode === "sudo-password" ? redact(text, [this.privilege.password]) : text;
  }
}

function firstLine(script: string): string {
  const line = script.trim().split("\n")[0] ?? "";
  return line.length > 80 ? `${line.slice(0, 77)}...` : line;
}
