// The composition root: the engine (src/) knows no step; this file hands it the pipeline.
import { start } from "../src/bin.js";
import { PIPELINE } from "./index.js";

start(PIPELINE);
