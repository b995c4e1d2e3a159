import { OFFICIAL, type ProvisionOptions } from "../../../src/options.js";

/** A run's options as the CLI builds them from its defaults, with --yes and --no-verify. */
export const TEST_OPTIONS: ProvisionOptions = {
  dryRun: false,
  yes: true,
  json: false,
  verbose: false,
  verify: false,
  nvidia: true,
  requireGpu: false,
  replaceSnapDocker: false,
  dockerRepo: OFFICIAL.dockerRepo,
  dockerKeyFingerprint: OFFICIAL.dockerKeyFingerprint,
  nvidiaRepo: OFFICIAL.nvidiaRepo,
  nvidiaKeyFingerprint: OFFICIAL.nvidiaKeyFingerprint,
  registryMirrors: [],
  logRotation: true,
  moveData: false,
  helloImage: OFFICIAL.helloImage,
  aptLockWaitMs: 600_000,
  notices: [],
};
