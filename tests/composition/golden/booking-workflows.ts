import { readFileSync } from "node:fs";
import {
  activity,
  compensateAll,
  hours,
  isTimeout,
  patched,
  signal,
  workflow,
  type WorkflowStamp,
} from "@continuum/core";
import { travel } from "./src/booking-activities.ts";

// The booking saga's versions as the runtime sees them: the same bodies as src/*.workflow.ts,
// hand-stamped (transformer/SPEC.md section 1) with the version hash and cursors the
// transformer wrote into manifests/*.json, so the suites need no build step.

interface ManifestFile {
  readonly workflows: readonly {
    readonly versionHash: string;
    readonly file: string;
    readonly line: number;
    readonly cursors: readonly { readonly cursor: string }[];
  }[];
}

/** The stamp the transformer gives the single workflow of manifests/<build>.json. */
export function stampOf(build: "v1" | "v2" | "v2-patched"): WorkflowStamp {
  const manifest = JSON.parse(
    readFileSync(new URL(`./manifests/${build}.json`, import.meta.url), "utf8"),
  ) as ManifestFile;
  const entry = manifest.workflows[0];
  if (entry === undefined) throw new Error(`manifests/${build}.json has no workflow`);
  return {
    format: 1,
    versionHash: entry.versionHash,
    cursors: entry.cursors.map((c) => c.cursor),
    file: entry.file,
    line: entry.line,
  };
}

/** Hash of version 1, which both versions 2 take over (`replaces`). */
export const v1Hash = stampOf("v1").versionHash;

type TripInput = { tripId: string };

/** Version 1: book a flight, wait for approval (1 h), then book a hotel or compensate. */
export const bookingV1 = workflow.stamped(stampOf("v1"))(
  "booking",
  { version: 1 },
  async ({ tripId }: TripInput) => {
    const flight = await activity.at("activity:travel.bookFlight#0")(travel.bookFlight, tripId, {
      compensate: [travel.cancelFlight, tripId],
    });
    const approved = await signal.at("signal:approve#0")<boolean>("approve", { timeout: hours(1) });
    if (isTimeout(approved) || !approved) {
      await compensateAll.at("compensateAll:#0")();
      return { tripId, status: "cancelled" };
    }
    const hotel = await activity.at("activity:travel.bookHotel#0")(travel.bookHotel, tripId, {
      compensate: [travel.cancelHotel, tripId],
    });
    return { tripId, status: "booked", flight, hotel };
  },
);

/** Version 2 without a patch: a visa check inserted before the approval. */
export const bookingV2 = workflow.stamped(stampOf("v2"))(
  "booking",
  { version: 2, replaces: [v1Hash] },
  async ({ tripId }: TripInput) => {
    const flight = await activity.at("activity:travel.bookFlight#0")(travel.bookFlight, tripId, {
      compensate: [travel.cancelFlight, tripId],
    });
    const visa = await activity.at("activity:travel.checkVisa#0")(travel.checkVisa, tripId);
    const approved = await signal.at("signal:approve#0")<boolean>("approve", { timeout: hours(1) });
    if (isTimeout(approved) || !approved) {
      await compensateAll.at("compensateAll:#0")();
      return { tripId, status: "cancelled" };
    }
    const hotel = await activity.at("activity:travel.bookHotel#0")(travel.bookHotel, tripId, {
      compensate: [travel.cancelHotel, tripId],
    });
    return { tripId, status: "booked", flight, hotel, visa };
  },
);

/** Version 2 behind patched("visa-check"): v1 runs keep the old path. */
export const bookingV2Patched = workflow.stamped(stampOf("v2-patched"))(
  "booking",
  { version: 2, replaces: [v1Hash] },
  async ({ tripId }: TripInput) => {
    const flight = await activity.at("activity:travel.bookFlight#0")(travel.bookFlight, tripId, {
      compensate: [travel.cancelFlight, tripId],
    });
    const visa = patched.at("patched:visa-check#0")("visa-check")
      ? await activity.at("activity:travel.checkVisa#0")(travel.checkVisa, tripId)
      : undefined;
    const approved = await signal.at("signal:approve#0")<boolean>("approve", { timeout: hours(1) });
    if (isTimeout(approved) || !approved) {
      await compensateAll.at("compensateAll:#0")();
      return { tripId, status: "cancelled" };
    }
    const hotel = await activity.at("activity:travel.bookHotel#0")(travel.bookHotel, tripId, {
      compensate: [travel.cancelHotel, tripId],
    });
    return { tripId, status: "booked", flight, hotel, ...(visa === undefined ? {} : { visa }) };
  },
);
