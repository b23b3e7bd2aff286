/**
 * Every determinism rule, by stable code (SPEC section 4). A code keeps its meaning forever;
 * add new codes, never renumber. `hint` names the deterministic alternative.
 */
export const Rules = {
  CTM1001: {
    title: "Date.now() reads the wall clock, which differs on replay",
    hint: "use `now()` from @continuum/core, recorded once and replayed",
  },
  CTM1002: {
    title: "new Date() without arguments reads the wall clock",
    hint: "use `now()` from @continuum/core, recorded once and replayed (new Date(value) with an argument is fine)",
  },
  CTM1003: {
    title: "Date() called as a function reads the wall clock",
    hint: "use `now().toString()` with `now` from @continuum/core",
  },
  CTM1004: {
    title: "performance.* reads a high-resolution clock",
    hint: "use `now()` from @continuum/core, recorded once and replayed",
  },
  CTM1005: {
    title: "process.hrtime()/process.uptime() read a clock",
    hint: "use `now()` from @continuum/core, recorded once and replayed",
  },
  CTM1006: {
    title: "Temporal.Now reads the wall clock",
    hint: "use `now()` or `today()` from @continuum/core",
  },
  CTM1007: {
    title: "Intl.DateTimeFormat format()/formatToParts() without a date formats the wall clock",
    hint: "pass the date: `formatter.format(await now())` with `now` from @continuum/core (format(date) with an argument is fine)",
  },
  CTM1101: {
    title: "Math.random() differs on replay",
    hint: "use `random()` from @continuum/core, recorded once and replayed",
  },
  CTM1102: {
    title: "crypto.randomUUID() differs on replay",
    hint: "use `uuid4()` from @continuum/core, recorded once and replayed",
  },
  CTM1103: {
    title: "crypto.getRandomValues() differs on replay",
    hint: "use `random()` from @continuum/core, or wrap it: `await sideEffect(() => ...)`",
  },
  CTM1104: {
    title: "node:crypto in workflow code (random bytes, UUIDs, I/O-backed keys)",
    hint: "use `uuid4()`/`random()` from @continuum/core; do hashing and signing in an activity",
  },
  CTM1201: {
    title: "setTimeout() is a timer the journal does not know",
    hint: "use `await sleep(ms)` from @continuum/core",
  },
  CTM1202: {
    title: "setInterval() is a timer the journal does not know",
    hint: "use a loop with `await sleep(ms)` from @continuum/core",
  },
  CTM1203: {
    title: "setImmediate() schedules outside the journal",
    hint: "use a plain `await`, or `await sleep(ms)`",
  },
  CTM1204: { title: "queueMicrotask() schedules outside the journal", hint: "use a plain `await`" },
  CTM1205: {
    title: "requestAnimationFrame/requestIdleCallback schedule outside the journal",
    hint: "use `await sleep(ms)` from @continuum/core",
  },
  CTM1301: {
    title: "fetch() does network I/O from workflow code",
    hint: "call it in an activity: `await activity(http.get, url)`",
  },
  CTM1302: {
    title: "XMLHttpRequest does network I/O from workflow code",
    hint: "do the request in an activity and pass the result back",
  },
  CTM1303: {
    title: "WebSocket/EventSource do network I/O from workflow code",
    hint: "open it in an activity; deliver messages to the workflow with `signal()`",
  },
  CTM1304: {
    title: "console.* prints again on every replay",
    hint: "use `log(message, data)` from @continuum/core (printed once, replay-aware)",
  },
  CTM1305: {
    title: "browser environment state differs between runs",
    hint: "read it in an activity, or pass it as workflow input",
  },
  CTM1401: {
    title: "process.env differs between processes and deploys",
    hint: "pass the value as workflow input, or read it in an activity",
  },
  CTM1402: {
    title: "process state differs between processes",
    hint: "pass the value as workflow input, or read it in an activity",
  },
  CTM1501: {
    title: "Node built-in module imported into workflow code",
    hint: "move the I/O into an activity (`defineActivity`) and call it with `activity()`",
  },
  CTM1502: {
    title: "require() loads code at run time",
    hint: 'use a static `import` of a pure module (`"use pure"`) or a trusted package',
  },
  CTM1503: {
    title: "dynamic import() loads code at run time",
    hint: 'use a static `import` of a pure module (`"use pure"`) or a trusted package',
  },
  CTM1504: {
    title: "call into a module that is neither pure, trusted nor the workflow API",
    hint: 'add "use pure" to the module (or list it in `pureModules`), add the package to `trustedPackages`, or make it an activity',
  },
  CTM1505: {
    title: "direct call of an activity definition runs it inside the workflow",
    hint: "call it through the journal: `await activity(def, ...args)`",
  },
  CTM1506: {
    title: "side-effect import of a module that is not pure",
    hint: 'remove the import, or mark the module "use pure"',
  },
  CTM1507: {
    title: "re-export from a module that is not pure",
    hint: "re-export only pure modules; import activity modules where they are used",
  },
  CTM1510: {
    title: "an effect used as a value cannot be stamped with its call-site identity",
    hint: "call the effect directly where it is used, e.g. `await activity(def, ...args)`; wrap it in a local arrow function if you need a callback",
  },
  CTM1511: {
    title: "an effect called inside a sideEffect function",
    hint: "call the effect in the workflow body and pass its result in; sideEffect functions run once, outside the journal",
  },
  CTM1520: {
    title:
      "this file defines a workflow the transformer cannot stamp, so the engine will refuse it at run time",
    hint: 'import `workflow` and the effects from "@continuum/core" or from a module that re-exports them (`export * from "@continuum/core"`, `export { activity as act } from "@continuum/core/workflow"`, a tsconfig `paths` alias); set the `tsconfig` option when the alias lives in another tsconfig; add the file to `exclude` if it is not workflow code',
    severity: "warning",
  },
  CTM1601: { title: "WeakRef depends on garbage-collector timing", hint: "keep a strong reference" },
  CTM1602: {
    title: "FinalizationRegistry depends on garbage-collector timing",
    hint: "clean up explicitly (e.g. `compensate()`)",
  },
  CTM1603: {
    title: "Atomics.wait blocks on shared memory outside the journal",
    hint: "wait for `signal()` or `sleep()` instead",
  },
  CTM1604: { title: "eval() runs code the checker cannot see", hint: "write the code directly" },
  CTM1605: {
    title: "the Function constructor runs code the checker cannot see",
    hint: "write the function directly",
  },
  CTM1606: {
    title: "dynamic access to a global with nondeterministic members cannot be checked",
    hint: "reference the member directly (`Math.floor`), so the checker can see it",
  },
  CTM1701: {
    title: "assignment to module-level state from a function",
    hint: "keep state in local variables of the workflow body (module state survives across runs and replays)",
  },
  CTM1702: {
    title: "mutation of a module-level object from a function",
    hint: "copy it into a local first (module state is shared by every run in the process)",
  },
  CTM1703: {
    title: "write to a global",
    hint: "use a local variable; globals are shared by every run in the process",
  },
  CTM1801: {
    title: "for await over a source that is not an effect",
    hint: "iterate an array of effect promises, or fetch the items with `activity()`",
  },
  CTM1901: {
    title: "activity argument type cannot round-trip through the payload codec",
    hint: "pass plain data (JSON values, Date, Map, Set, RegExp, typed arrays, ArrayBuffer, Error)",
  },
  CTM1902: {
    title: "activity result type cannot round-trip through the payload codec",
    hint: "return plain data from the activity (JSON values, Date, Map, Set, RegExp, typed arrays, ArrayBuffer, Error)",
  },
  CTM1903: {
    title: "signal payload type cannot round-trip through the payload codec",
    hint: "declare the signal with plain data",
  },
  CTM1904: {
    title: "workflow input type cannot round-trip through the payload codec",
    hint: "take plain data as input",
  },
  CTM1905: {
    title: "workflow result type cannot round-trip through the payload codec",
    hint: "return plain data",
  },
  CTM1906: {
    title: "child workflow input or result type cannot round-trip through the payload codec",
    hint: "pass and return plain data",
  },
} as const;

/** How a rule reports: every rule is an error unless its entry says `severity: "warning"`. */
export type RuleSeverity = "error" | "warning";

/** The severity of `code`. */
export function severityOf(code: RuleCode): RuleSeverity {
  const rule = Rules[code];
  return "severity" in rule ? rule.severity : "error";
}

/** A stable rule code such as `CTM1001`. */
export type RuleCode = keyof typeof Rules;

/** The numeric code tspc prints (`TS771001` for CTM1001). */
export function tsCodeOf(code: RuleCode): number {
  return Number(`77${code.slice(3)}`);
}
