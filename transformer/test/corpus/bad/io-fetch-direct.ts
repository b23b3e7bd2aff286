import { workflow } from "@continuum/core";

export const weather = workflow("weather", { version: 1 }, async (city: string) => {
  const res = await fetch(`https://api.example.com/weather?city=${encodeURIComponent(city)}`);
  return (await res.json()) as { tempC: number };
});
