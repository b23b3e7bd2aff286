import { activity, workflow } from "@continuum/core";
import * as acts from "../support/activities.ts";

export const thumbnails = workflow("thumbnails", { version: 1 }, async (urls: string[]) => {
  const widths = [128, 512, 1024];
  const jobs = urls.flatMap((url) => widths.map((w) => activity(acts.resizeImage, url, w)));
  return Promise.all(jobs);
});
