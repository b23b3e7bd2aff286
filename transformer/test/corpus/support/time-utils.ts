// A helper module without "use pure": workflow code may not call into it.
export function timestamp(): number {
  return Date.now();
}
export function isoNow(): string {
  return new Date().toISOString();
}
