import {
  activity,
  activityContext,
  child,
  compensateAll,
  continueAsNew,
  defineActivity,
  hours,
  isTimeout,
  signal,
  sleep,
  workflow,
} from "@continuum/core";

// Workflows of the Observer's demo and browser tests, hand-stamped the way the transformer
// stamps them (transformer/SPEC.md section 1), so they run under plain node without a build.
// `demoManifest` is the manifest the transformer would write for them (source links).

const file = "examples/demo/shop.workflow.ts";
const stamp = (versionHash: string, cursors: string[], line: number) =>
  ({ format: 1, versionHash, cursors, file, line }) as const;

export const validate = defineActivity("validation.check", async (total: number) => {
  if (total <= 0) throw Object.assign(new Error("an order needs a positive total"), { name: "InvalidOrder" });
  return { total };
});

export const charge = defineActivity(
  "payments.charge",
  async (orderId: string, total: number, failures: number) => {
    const { attempt } = activityContext();
    await activityContext().heartbeat({ step: "authorising", attempt });
    if (attempt <= failures) throw new Error(`psp unavailable (attempt ${attempt})`);
    return { chargeId: `ch-${orderId}`, total };
  },
  { retry: { maxAttempts: 4, initialIntervalMs: 200, backoffCoefficient: 2 } },
);

export const ship = defineActivity("fulfillment.ship", async (orderId: string) => ({
  trackingId: `trk-${orderId}`,
}));

const orderCursors = [
  "activity:validation.check#0",
  "activity:payments.charge#0",
  "signal:fraud_review#0",
  "activity:fulfillment.ship#0",
];
/** Validate, charge (retried), wait for a fraud review (24 h timeout), ship. */
export const order = workflow.stamped(stamp("d0e1a2b3c4d5e6f7", orderCursors, 12))(
  "order",
  { version: 1 },
  async (input: { orderId: string; total: number; chargeFailures?: number }) => {
    await activity.at("activity:validation.check#0")(validate, input.total);
    const receipt = await activity.at("activity:payments.charge#0")(
      charge,
      input.orderId,
      input.total,
      input.chargeFailures ?? 0,
    );
    const review = await signal.at("signal:fraud_review#0")<"approved" | "rejected">("fraud_review", {
      timeout: hours(24),
    });
    if (isTimeout(review) || review === "rejected")
      return { status: "rejected" as const, chargeId: receipt.chargeId };
    const shipment = await activity.at("activity:fulfillment.ship#0")(ship, input.orderId);
    return { status: "shipped" as const, trackingId: shipment.trackingId };
  },
);

/** Sleeps for hours: a sleeping run with a pending timer. */
export const nightlyReport = workflow.stamped(stamp("a1b2c3d4e5f60718", ["sleep:#0"], 40))(
  "report.nightly",
  { version: 1 },
  async (input: { hours: number }) => {
    await sleep.at("sleep:#0")(hours(input.hours));
    return "sent";
  },
);

export const importRows = defineActivity(
  "imports.load",
  async (batch: string) => {
    throw Object.assign(new Error(`row 17 of ${batch}: column "price" is not a number`), {
      name: "RowError",
    });
  },
  { retry: { maxAttempts: 2, initialIntervalMs: 100 } },
);
/** Fails: its activity fails twice for good. */
export const importBatch = workflow.stamped(stamp("0f1e2d3c4b5a6978", ["activity:imports.load#0"], 52))(
  "imports.batch",
  { version: 1 },
  async (input: { batch: string }) => activity.at("activity:imports.load#0")(importRows, input.batch),
);

export const book = defineActivity(
  "travel.book",
  async (what: string) => {
    if (what === "flight") throw Object.assign(new Error("no seats left on LH 4711"), { name: "SoldOut" });
    return { ref: `${what}-ref` };
  },
  { retry: { maxAttempts: 1 } },
);
export const release = defineActivity("travel.release", async (what: string) => ({ released: what }));
const tripCursors = ["activity:travel.book#0", "compensateAll:#0"];
/** Books a hotel, fails to book the flight, compensates the hotel and fails. */
export const trip = workflow.stamped(stamp("9a8b7c6d5e4f3a2b", tripCursors, 64))(
  "trip",
  { version: 1 },
  async (input: { traveller: string }) => {
    try {
      for (const what of ["hotel", "flight"])
        await activity.at("activity:travel.book#0")(book, what, { compensate: [release, what] });
      return { booked: input.traveller };
    } catch (error) {
      await compensateAll.at("compensateAll:#0")();
      throw error;
    }
  },
);

/** Polls three times, continuing as new each time, then waits for a day. */
export const poller = workflow.stamped(stamp("5f4e3d2c1b0a9988", ["continueAsNew:#0", "sleep:#0"], 80))(
  "feed.poller",
  { version: 1 },
  async (input: { round: number }): Promise<string> => {
    if (input.round < 3) return continueAsNew.at("continueAsNew:#0")({ round: input.round + 1 });
    await sleep.at("sleep:#0")(hours(24));
    return "done";
  },
);

export const double = defineActivity("math.double", async (n: number) => n * 2);
export const doubler = workflow.stamped(stamp("77aa66bb55cc44dd", ["activity:math.double#0"], 92))(
  "math.doubler",
  { version: 1 },
  async (n: number) => activity.at("activity:math.double#0")(double, n),
);
/** Runs three children and sums their results. */
export const fanout = workflow.stamped(stamp("1122334455667788", ["child:math.doubler#0"], 98))(
  "math.fanout",
  { version: 1 },
  async (ns: number[]) => {
    let sum = 0;
    for (const n of ns) sum += await child.at("child:math.doubler#0")(doubler, n);
    return sum;
  },
);

/** Waits for any signal name it is told, then returns its payload (hostile names in tests). */
export const inbox = workflow.stamped(stamp("abcdefabcdef0123", ["signal:dynamic#0"], 110))(
  "inbox",
  { version: 1 },
  async (input: { signal: string }) => signal.at("signal:dynamic#0")<unknown>(input.signal),
);

export const demoWorkflows = [order, nightlyReport, importBatch, trip, poller, doubler, fanout, inbox];
export const demoActivities = [validate, charge, ship, importRows, book, release, double];

/** The manifest the transformer would write for these workflows. */
export const demoManifest = {
  format: 1,
  generator: "@continuum/transformer",
  workflows: demoWorkflows.map((definition) => {
    const stamped = (
      definition as unknown as { stamp: { versionHash: string; cursors: readonly string[]; line: number } }
    ).stamp;
    return {
      name: definition.name,
      version: 1,
      versionHash: stamped.versionHash,
      file,
      line: stamped.line,
      column: 1,
      cursors: stamped.cursors.map((cursor, index) => ({
        cursor,
        kind: cursor.split(":")[0]!,
        target: cursor.slice(cursor.indexOf(":") + 1, cursor.indexOf("#")),
        at: `${file}:${stamped.line + 1 + index}:5`,
      })),
    };
  }),
  helpers: [],
};
