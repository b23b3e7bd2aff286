import type { AgeBucket } from "./journal-inspector.ts";

/** Upper bounds (exclusive, ms) of the health report's age buckets; see `ageBuckets`. */
export const ageBucketBounds = {
  "1m": 60_000,
  "1h": 3_600_000,
  "1d": 86_400_000,
  "7d": 604_800_000,
} as const;

/** The age bucket of a run that is `ageMs` old. */
export function ageBucketOf(ageMs: number): AgeBucket {
  for (const [bucket, bound] of Object.entries(ageBucketBounds))
    if (ageMs < bound) return bucket as AgeBucket;
  return "older";
}
