import {
  activity,
  child,
  days,
  defineActivity,
  patched,
  signal,
  sleep,
  workflow,
} from "../../workflow/index.ts";

/**
 * Test support for the test kit's own suites: a small saga (reserve, charge, wait 30 days,
 * ship), hand-stamped the way the transformer would stamp it, in two deployed versions.
 */
export const reserve = defineActivity("kit.reserve", async (id: string) => `res-${id}`);
export const charge = defineActivity("kit.charge", async (id: string) => `ch-${id}`);
export const ship = defineActivity("kit.ship", async (id: string) => `trk-${id}`);
export const notify = defineActivity("kit.notify", async (id: string) => `mail-${id}`);
export const kitActivities = [reserve, charge, ship, notify];

const stamp = (versionHash: string, cursors: readonly string[]) =>
  ({ format: 1, versionHash, cursors, file: "test/kit-saga.workflow.ts", line: 1 }) as const;

export interface SagaResult {
  readonly reservation: string;
  readonly charge: string;
  readonly tracking: string;
  readonly notified?: string;
}

/** Reserve, charge, sleep 30 days, ship. */
export const sagaV1 = workflow.stamped(
  stamp("kit-saga-v1", [
    "activity:kit.reserve#0",
    "activity:kit.charge#0",
    "sleep:#0",
    "activity:kit.ship#0",
  ]),
)("kit.saga", { version: 1 }, async (id: string): Promise<SagaResult> => {
  const reservation = await activity.at("activity:kit.reserve#0")(reserve, id);
  const charged = await activity.at("activity:kit.charge#0")(charge, id);
  await sleep.at("sleep:#0")(days(30));
  const tracking = await activity.at("activity:kit.ship#0")(ship, id);
  return { reservation, charge: charged, tracking };
});

/** v1 plus a notification after shipping, behind `patched("notify")`. */
export const sagaV2 = workflow.stamped(
  stamp("kit-saga-v2", [
    "activity:kit.reserve#0",
    "activity:kit.charge#0",
    "sleep:#0",
    "activity:kit.ship#0",
    "patched:notify#0",
    "activity:kit.notify#0",
  ]),
)("kit.saga", { version: 2 }, async (id: string): Promise<SagaResult> => {
  const reservation = await activity.at("activity:kit.reserve#0")(reserve, id);
  const charged = await activity.at("activity:kit.charge#0")(charge, id);
  await sleep.at("sleep:#0")(days(30));
  const tracking = await activity.at("activity:kit.ship#0")(ship, id);
  if (patched.at("patched:notify#0")("notify")) {
    const notified = await activity.at("activity:kit.notify#0")(notify, id);
    return { reservation, charge: charged, tracking, notified };
  }
  return { reservation, charge: charged, tracking };
});

/** Waits for an "approve" signal that a test may never send. */
export const approval = workflow.stamped(stamp("kit-approval-v1", ["signal:approve#0"]))(
  "kit.approval",
  { version: 1 },
  async (id: string) => `${id}:${await signal.at("signal:approve#0")<string>("approve")}`,
);

/**
 * v1 changed in place: a notification before the 30-day sleep, behind `patched("notify")`, and
 * `replaces` v1's hash, so runs of v1 continue on it when v1 is no longer deployed.
 */
export const sagaV3 = workflow.stamped(
  stamp("kit-saga-v3", [
    "activity:kit.reserve#0",
    "activity:kit.charge#0",
    "patched:notify#0",
    "activity:kit.notify#0",
    "sleep:#0",
    "activity:kit.ship#0",
  ]),
)("kit.saga", { version: 3, replaces: ["kit-saga-v1"] }, async (id: string): Promise<SagaResult> => {
  const reservation = await activity.at("activity:kit.reserve#0")(reserve, id);
  const charged = await activity.at("activity:kit.charge#0")(charge, id);
  let notified: string | undefined;
  if (patched.at("patched:notify#0")("notify"))
    notified = await activity.at("activity:kit.notify#0")(notify, id);
  await sleep.at("sleep:#0")(days(30));
  const tracking = await activity.at("activity:kit.ship#0")(ship, id);
  return notified === undefined
    ? { reservation, charge: charged, tracking }
    : { reservation, charge: charged, tracking, notified };
});

/** Starts an approval as its child and returns what the child returned. */
export const approvalParent = workflow.stamped(stamp("kit-approval-parent-v1", ["child:kit.approval#0"]))(
  "kit.approval-parent",
  { version: 1 },
  async (id: string) => `parent:${await child.at("child:kit.approval#0")(approval, id)}`,
);
