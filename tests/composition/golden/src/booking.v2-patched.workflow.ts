import { activity, compensateAll, hours, isTimeout, patched, signal, workflow } from "@continuum/core";
import { travel } from "./booking-activities.ts";

// Version 2 done right: the visa check behind patched(). Runs recorded by version 1 take the
// old path (no check), new runs the new one, on every replay.
export const bookingV2Patched = workflow(
  "booking",
  { version: 2, replaces: ["8031b77cee551024"] },
  async ({ tripId }: { tripId: string }) => {
    const flight = await activity(travel.bookFlight, tripId, { compensate: [travel.cancelFlight, tripId] });
    // Old runs must end exactly as they would have: no visa field unless the check ran.
    const visa = patched("visa-check") ? await activity(travel.checkVisa, tripId) : undefined;
    const approved = await signal<boolean>("approve", { timeout: hours(1) });
    if (isTimeout(approved) || !approved) {
      await compensateAll();
      return { tripId, status: "cancelled" };
    }
    const hotel = await activity(travel.bookHotel, tripId, { compensate: [travel.cancelHotel, tripId] });
    return { tripId, status: "booked", flight, hotel, ...(visa === undefined ? {} : { visa }) };
  },
);
