import { workflow } from "@continuum/core";

export const legacy = workflow("legacy", { version: 1 }, async (url: string) => {
  const xhr = new XMLHttpRequest();
  xhr.open("GET", url);
  xhr.send();
  return xhr.status;
});
