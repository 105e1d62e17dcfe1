// The weather Worker's entry point.
import { app } from "./app";
import type { WeatherBindings } from "./env";

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<WeatherBindings>;
