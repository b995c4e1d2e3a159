import { UsageError } from "../errors.js";
import { checkImageReference } from "../image-ref.js";

/** What `vla-provision workspace` was asked for, checked before anything connects. */
export interface WorkspaceOptions {
  /** The project folder as given: relative to the login user's home over SSH, to the cwd locally. */
  dir: string;
  image?: string;
  cacheDir?: string;
  /** Empty: the default ports. */
  ports: number[];
  name?: string;
  gpus?: string;
  ipcHost: boolean;
  shmSize?: string;
  force: boolean;
  dryRun: boolean;
  json: boolean;
  verbose: boolean;
}

/** The parsed command line's workspace options (commander's keys). */
export interface RawWorkspaceOptions {
  image?: string;
  cacheDir?: string;
  port?: string[];
  name?: string;
  gpus?: string;
  ipcHost?: boolean;
  shmSize?: string;
  force?: boolean;
  dryRun?: boolean;
  json?: boolean;
  verbose?: boolean;
}

function fail(message: string): never {
  throw new UsageError(message);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;
/** Characters that would need quoting in .env and the launchers, and ":" (a volume's separator). */
const UNSAFE_IN_PATH = /['"`$\\:]/;

function checkDir(value: string): string {
  if (value === "") fail("workspace: the folder is empty (omit it for the current directory)");
  if (CONTROL.test(value)) fail(`workspace: ${JSON.stringify(value)} contains control characters`);
  return value;
}

function checkCacheDir(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const flag = "--cache-dir";
  if (!value.startsWith("/") && !value.startsWith("~/"))
    fail(`${flag}: ${JSON.stringify(value)} is not an absolute path (or ~/...)`);
  if (CONTROL.test(value) || UNSAFE_IN_PATH.test(value))
    fail(
      `${flag}: ${JSON.stringify(value)} holds a character the launchers cannot carry (quotes, $, \`, \\, :)`,
    );
  return value.length > 1 ? value.replace(/\/+$/, "") : value;
}

function checkPorts(values: readonly string[]): number[] {
  const ports: number[] = [];
  for (const value of values) {
    const port = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
    if (!(port >= 1 && port <= 65535))
      fail(`--port: ${JSON.stringify(value)} is not a port number (1..65535)`);
    if (!ports.includes(port)) ports.push(port);
  }
  return ports;
}

function checkName(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(value))
    fail(
      `--name: ${JSON.stringify(value)} is not a container and Compose project name (lower-case letters, digits, "-" and "_", starting with a letter or digit, at most 63)`,
    );
  return value;
}

function checkGpus(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const uuid = "GPU-[0-9a-fA-F-]+";
  if (
    value === "all" ||
    /^\d+(,\d+)*$/.test(value) ||
    new RegExp(`^${uuid}(,${uuid})*$`).test(value)
  )
    return value;
  return fail(
    `--gpus: ${JSON.stringify(value)} is not "all", card indices ("0", "0,1") or GPU UUIDs`,
  );
}

function checkShmSize(value: string | undefined, ipcHost: boolean): string | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+[bkmg]?$/i.test(value))
    fail(`--shm-size: ${JSON.stringify(value)} is not a size such as 16g or 512m`);
  if (ipcHost)
    fail("--shm-size needs --no-ipc-host: with --ipc=host the container uses the host's /dev/shm");
  return value.toLowerCase();
}

function checkImage(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const checked = checkImageReference(value);
  if (!checked.ok)
    fail(`--image: ${JSON.stringify(value)} is not an image reference: ${checked.error}`);
  return value;
}

/** Check every workspace option: bad input is a one-line UsageError (exit 2) before connecting. */
export function checkWorkspaceOptions(
  raw: RawWorkspaceOptions,
  dir: string | undefined,
): WorkspaceOptions {
  const ipcHost = raw.ipcHost !== false;
  return {
    dir: checkDir(dir ?? "."),
    image: checkImage(raw.image),
    cacheDir: checkCacheDir(raw.cacheDir),
    ports: checkPorts(raw.port ?? []),
    name: checkName(raw.name),
    gpus: checkGpus(raw.gpus),
    ipcHost,
    shmSize: checkShmSize(raw.shmSize, ipcHost),
    force: Boolean(raw.force),
    dryRun: Boolean(raw.dryRun),
    json: Boolean(raw.json),
    verbose: Boolean(raw.verbose),
  };
}
