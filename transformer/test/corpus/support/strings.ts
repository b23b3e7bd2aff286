// Not marked pure (the author forgot), so calls from workflow code are rejected.
export function slugify(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-");
}
