export * from "./limits.ts";
export * from "./identifier.ts";
export * from "./numbers.ts";
export * from "./cursor.ts";
export * from "./attributes.ts";
export * from "./connection-string.ts";
export { textProblem, utf8Bytes, describeValue } from "./text.ts";
export * from "./payload-size.ts";
export * from "./journal-option.ts";
