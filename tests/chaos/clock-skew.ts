// Preloaded into chaos engine processes (NODE_OPTIONS=--import) to put the host's clock off by
// CHAOS_CLOCK_OFFSET_MS: Date.now(), new Date() and performance.now() all read skewed time, as
// on a machine whose NTP is broken. Leases, timers and retries are timed by the database clock,
// so an engine must behave the same whatever this offset is; the chaos checker verifies it.

const offsetMs = Number(process.env.CHAOS_CLOCK_OFFSET_MS ?? 0);

if (offsetMs !== 0) {
  const RealDate = Date;
  const realPerformanceNow = performance.now.bind(performance);
  class SkewedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(RealDate.now() + offsetMs);
      else super(...(args as [string | number | Date]));
    }
    static override now(): number {
      return RealDate.now() + offsetMs;
    }
  }
  globalThis.Date = SkewedDate as DateConstructor;
  performance.now = () => realPerformanceNow() + offsetMs;
}
