import { describe, expect, it } from "vitest";
import { ErrorCode } from "../errors/error-code.ts";
import { isContinuumError } from "../errors/continuum-error.ts";
import {
  activity,
  compensate,
  compensateAll,
  defineActivity,
  deprecatePatch,
  log,
  patched,
  now,
  random,
  setAttributes,
  sideEffect,
  signal,
  sleep,
  sleepUntil,
  today,
  uuid4,
} from "./index.ts";

const ping = defineActivity("ping", async () => "pong");

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isContinuumError(e) ? e.code : String(e);
  }
  return undefined;
}

describe("effects outside a workflow", () => {
  const calls: Array<[string, () => unknown, () => unknown]> = [
    ["activity", () => activity(ping), () => activity.at("activity:ping#0")(ping)],
    ["sleep", () => sleep(1), () => sleep.at("sleep:#0")(1)],
    ["sleepUntil", () => sleepUntil(0), () => sleepUntil.at("sleepUntil:#0")(0)],
    ["signal", () => signal("go"), () => signal.at("signal:go#0")("go")],
    ["now", () => now(), () => now.at("now:#0")()],
    ["today", () => today(), () => today.at("today:#0")()],
    ["uuid4", () => uuid4(), () => uuid4.at("uuid4:#0")()],
    ["random", () => random(), () => random.at("random:#0")()],
    ["sideEffect", () => sideEffect(() => 1), () => sideEffect.at("sideEffect:#0")(() => 1)],
    ["log", () => log("hi"), () => log.at("log:#0")("hi")],
    ["compensate", () => compensate({}), () => compensate.at("compensate:#0")({})],
    ["compensateAll", () => compensateAll(), () => compensateAll.at("compensateAll:#0")()],
    ["patched", () => patched("p"), () => patched.at("patched:p#0")("p")],
    ["deprecatePatch", () => deprecatePatch("p"), () => deprecatePatch.at("deprecatePatch:p#0")("p")],
    ["setAttributes", () => setAttributes({ a: 1 }), () => setAttributes.at("setAttributes:#0")({ a: 1 })],
  ];
  for (const [name, unstamped, stamped] of calls) {
    it(`${name}() throws CTM_EFFECT_OUTSIDE_WORKFLOW, stamped or not`, () => {
      expect(codeOf(unstamped)).toBe(ErrorCode.EffectOutsideWorkflow);
      expect(codeOf(stamped)).toBe(ErrorCode.EffectOutsideWorkflow);
    });
  }

  it(".at() refuses a cursor of another kind or a malformed one", () => {
    expect(codeOf(() => sleep.at("activity:ping#0"))).toBe(ErrorCode.InvalidArgument);
    expect(codeOf(() => sleep.at("sleep"))).toBe(ErrorCode.InvalidArgument);
    expect(sleep.at("sleep:#0")).toBe(sleep.at("sleep:#0"));
  });
});
