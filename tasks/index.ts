import type { Pipeline } from "../src/engine/pipeline.js";
import type { Step } from "../src/engine/step.js";
import { daemonSettings } from "./daemon-settings.js";
import { dockerConflicts } from "./docker-conflicts.js";
import { dockerGroup } from "./docker-group.js";
import { dockerKey } from "./docker-key.js";
import { dockerPackages } from "./docker-packages.js";
import { dockerPrerequisites } from "./docker-prerequisites.js";
import { dockerService } from "./docker-service.js";
import { dockerSource } from "./docker-source.js";
import { nvidiaKey } from "./nvidia-key.js";
import { nvidiaPackages } from "./nvidia-packages.js";
import { nvidiaRuntime } from "./nvidia-runtime.js";
import { nvidiaSource } from "./nvidia-source.js";
import { proxySettings } from "./proxy-settings.js";
import { verifyCuda } from "./verify-cuda.js";
import { verifyHello } from "./verify-hello.js";

/** The pipeline, in order. A new step is one module here and one line in this list. */
export const STEPS: Step[] = [
  dockerConflicts,
  dockerPrerequisites,
  dockerKey,
  dockerSource,
  dockerPackages,
  dockerService,
  dockerGroup,
  proxySettings,
  daemonSettings,
  nvidiaKey,
  nvidiaSource,
  nvidiaPackages,
  nvidiaRuntime,
  verifyHello,
  verifyCuda,
];

export const PIPELINE: Pipeline = { steps: STEPS };
