import { connect as connectTcp } from "node:net";
import { NodeSSH } from "node-ssh";
import { RefusedError, StepError } from "../errors.js";
import { formatSshTarget } from "../ssh/target.js";
import type { ExecOptions, ExecResult, Transport } from "./transport.js";

export interface HostKeyVerdict {
  /** Accept the key and go on. */
  accept: boolean;
  /** Why the key was refused, in one line. */
  refusal?: string;
}

export interface SshEndpoint {
  host: string;
  port: number;
  user: string;
  /** Private keys to offer, in order (their text). */
  privateKeys: { path: string; text: string }[];
  /** ssh-agent socket, when the agent may be used. */
  agent?: string;
  /** Decide on the server's host key (type and base64 blob). */
  verifyHostKey(keyType: string, blob: Buffer): HostKeyVerdict;
  /** Host key algorithms to prefer (the types known_hosts holds for this host). */
  preferredHostKeyAlgorithms?: string[];
}

const ALL_HOST_KEY_ALGORITHMS = [
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "rsa-sha2-512",
  "rsa-sha2-256",
  "ssh-rsa",
];

export class SshTransport implements Transport {
  readonly kind = "ssh";
  readonly target: string;
  readonly loginUser: string;

  /** The connection ended under us (network drop, sshd killed): no command can run any more. */
  private lost = false;

  private constructor(
    private readonly ssh: NodeSSH,
    endpoint: SshEndpoint,
  ) {
    this.loginUser = endpoint.user;
    this.target = formatSshTarget({
      user: endpoint.user,
      host: endpoint.host,
      port: endpoint.port === 22 ? undefined : endpoint.port,
    });
    ssh.connection?.on("close", () => {
      this.lost = true;
    });
  }

  private lostError(): StepError {
    return new StepError(
      `lost the SSH connection to ${this.target}; a command in flight may still finish on the host: run again to continue`,
    );
  }

  static async connect(endpoint: SshEndpoint): Promise<SshTransport> {
    const ssh = new NodeSSH();
    let refusal: string | undefined;
    const preferred = endpoint.preferredHostKeyAlgorithms ?? [];
    const authMethods: unknown[] = endpoint.privateKeys.map((key) => ({
      type: "publickey",
      username: endpoint.user,
      key: key.text,
    }));
    if (endpoint.agent)
      authMethods.push({ type: "agent", username: endpoint.user, agent: endpoint.agent });
    authMethods.push({ type: "none", username: endpoint.user });
    // Nagle's algorithm holds each small SSH packet until the peer's delayed ACK: about 40 ms on
    // every command's round trip and on each step of the handshake. Off, as OpenSSH has it.
    const sock = connectTcp({ host: endpoint.host, port: endpoint.port, noDelay: true });
    try {
      await ssh.connect({
        sock,
        host: endpoint.host,
        port: endpoint.port,
        username: endpoint.user,
        readyTimeout: 20_000,
        keepaliveInterval: 15_000,
        keepaliveCountMax: 8,
        // biome-ignore lint/suspicious/noExplicitAny: ssh2 accepts a list of auth methods here
        authHandler: authMethods as any,
        algorithms: {
          serverHostKey: [
            ...preferred,
            ...ALL_HOST_KEY_ALGORITHMS.filter((a) => !preferred.includes(a)),
            // biome-ignore lint/suspicious/noExplicitAny: ssh2's algorithm names are a string union
          ] as any,
        },
        hostVerifier: (key: Buffer) => {
          const keyType = readSshString(key);
          const verdict = endpoint.verifyHostKey(keyType, key);
          refusal = verdict.refusal;
          return verdict.accept;
        },
      });
    } catch (error) {
      ssh.dispose();
      sock.destroy();
      const where = formatSshTarget(endpoint);
      if (refusal) throw new RefusedError(refusal);
      const reason = error instanceof Error ? error.message : String(error);
      if (/authentication methods failed/i.test(reason)) {
        throw new StepError(
          `SSH login to ${where} failed: no key was accepted (tried ${endpoint.privateKeys.map((k) => k.path).join(", ") || "no key files"}${endpoint.agent ? " and the ssh-agent" : ""}). Pass -i <key>.`,
        );
      }
      throw new StepError(`cannot connect to ${where}: ${reason}`);
    }
    return new SshTransport(ssh, endpoint);
  }

  async exec(script: string, options: ExecOptions = {}): Promise<ExecResult> {
    if (this.lost) throw this.lostError();
    const result = await this.ssh.execCommand(script, {
      stdin: options.stdin,
      noTrim: true,
      onStdout: options.onOutput ? (chunk) => options.onOutput?.(chunk.toString()) : undefined,
      onStderr: options.onOutput ? (chunk) => options.onOutput?.(chunk.toString()) : undefined,
    });
    if (result.code === null && this.lost) throw this.lostError();
    return {
      code: result.code ?? (result.signal ? 128 : 255),
      stdout: result.stdout,
      stderr: result.stderr,
    };
  }

  async close(): Promise<void> {
    this.ssh.dispose();
  }
}

/** The first string of an SSH wire-format key blob is its type ("ssh-ed25519", ...). */
export function readSshString(blob: Buffer): string {
  if (blob.length < 4) return "";
  const length = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + length).toString("latin1");
}
