import { activity, compensateAll, hours, isTimeout, signal, workflow } from "@continuum/core";
import { travel } from "./booking-activities.ts";

// Version 2 without a patch: a visa check inserted before the approval. It takes over version
// 1's runs (`replaces` names v1's hash from manifests/v1.json), but runs recorded by
// version 1 past that point cannot replay on it.
export const bookingV2 = workflow(
  "booking",
  { version: 2, replaces: ["8031b77cee551024"] },
  async ({ tripId }: { tripId: string }) => {
    const flight = await activity(travel.bookFlight, tripId, { compensate: [travel.cancelFlight, tripId] });
    const visa = await activity(travel.checkVisa, tripId);
    const approved = await signal<boolean>("approve", { timeout: hours(1) });
    if (isTimeout(approved) || !approved) {
      await compensateAll();
      return { tripId, status: "cancelled" };
    }
    const hotel = await activity(travel.bookHotel, tripId, { compensate: [travel.cancelHotel, tripId] });
    return { tripId, status: "booked", flight, hotel, visa };
  },
);
