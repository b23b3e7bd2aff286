import { activity, defineActivity, workflow } from "@continuum/core";

// Activities defined next to the workflow may do I/O: their bodies are activity code.
const lookupWeather = defineActivity("weather.lookup", async (city: string) => {
  const res = await fetch(`https://api.example.com/weather/${encodeURIComponent(city)}`);
  console.log("weather", city, Date.now(), process.env.WEATHER_KEY);
  return (await res.json()) as { tempC: number };
});

export const weather = workflow("weather", { version: 1 }, async (city: string) => {
  const w = await activity(lookupWeather, city);
  return w.tempC > 25 ? "hot" : "mild";
});
