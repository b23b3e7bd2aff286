"use pure";
export { nowMs as currentTime, rand } from "./pure-aliases.ts";
