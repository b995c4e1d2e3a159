export interface ExecOptions {
  /** Bytes to send on the command's standard input. */
  stdin?: string;
  /** Called with each chunk of output as it arrives, for streaming into a task. */
  onOutput?: (chunk: string) => void;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The only code that touches a shell: runs a POSIX sh script as the login user. */
export interface Transport {
  /** How the host is named in output: "local" or "user@host:port". */
  readonly target: string;
  readonly kind: "local" | "ssh";
  /** The account the transport runs commands as. */
  readonly loginUser: string;
  exec(script: string, options?: ExecOptions): Promise<ExecResult>;
  close(): Promise<void>;
}
