import { activity, compensateAll, hours, isTimeout, signal, workflow } from "@continuum/core";
import { travel } from "./booking-activities.ts";

// Version 1 of the booking saga, as a user writes it. The transformer reads this file to write
// manifests/v1.json (write-manifests.ts); the golden suite runs the hand-stamped twin in
// booking-workflows.ts, stamped from that manifest.
export const bookingV1 = workflow("booking", { version: 1 }, async ({ tripId }: { tripId: string }) => {
  const flight = await activity(travel.bookFlight, tripId, { compensate: [travel.cancelFlight, tripId] });
  const approved = await signal<boolean>("approve", { timeout: hours(1) });
  if (isTimeout(approved) || !approved) {
    await compensateAll();
    return { tripId, status: "cancelled" };
  }
  const hotel = await activity(travel.bookHotel, tripId, { compensate: [travel.cancelHotel, tripId] });
  return { tripId, status: "booked", flight, hotel };
});
