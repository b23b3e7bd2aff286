import { defineActivity } from "@continuum/core";

// The booking saga's activities, shared by every version of the workflow. They only compute
// values: the golden suite is about replay, not about side effects.

/** Travel activities of the booking saga. */
export const travel = {
  bookFlight: defineActivity("travel.bookFlight", async (tripId: string) => `flight-${tripId}`),
  cancelFlight: defineActivity("travel.cancelFlight", async (tripId: string) => `flight-${tripId}-cancelled`),
  bookHotel: defineActivity("travel.bookHotel", async (tripId: string) => `hotel-${tripId}`),
  cancelHotel: defineActivity("travel.cancelHotel", async (tripId: string) => `hotel-${tripId}-cancelled`),
  checkVisa: defineActivity("travel.checkVisa", async (tripId: string) => `visa-${tripId}-ok`),
};

/** Every travel activity, for an engine or a test environment. */
export const travelActivities = Object.values(travel);
