// Deterministic demo data: a handful of US ZIP codes, always the same answer (no upstream weather service).

export interface Place {
  zip: string;
  city: string;
  state: string;
  current: { temperature: number; humidity: number };
  today: { high: number; low: number; humidity: number; summary: string };
}

const places: Place[] = [
  {
    zip: "90210",
    city: "Beverly Hills",
    state: "CA",
    current: { temperature: 72, humidity: 45 },
    today: { high: 78, low: 60, humidity: 40, summary: "Sunny" },
  },
  {
    zip: "10001",
    city: "New York",
    state: "NY",
    current: { temperature: 58, humidity: 63 },
    today: { high: 61, low: 49, humidity: 68, summary: "Light rain" },
  },
  {
    zip: "60601",
    city: "Chicago",
    state: "IL",
    current: { temperature: 49, humidity: 70 },
    today: { high: 53, low: 41, humidity: 72, summary: "Windy" },
  },
  {
    zip: "94103",
    city: "San Francisco",
    state: "CA",
    current: { temperature: 61, humidity: 78 },
    today: { high: 64, low: 54, humidity: 80, summary: "Fog, then sun" },
  },
  {
    zip: "98101",
    city: "Seattle",
    state: "WA",
    current: { temperature: 54, humidity: 82 },
    today: { high: 57, low: 47, humidity: 85, summary: "Showers" },
  },
  {
    zip: "33101",
    city: "Miami",
    state: "FL",
    current: { temperature: 84, humidity: 74 },
    today: { high: 88, low: 77, humidity: 76, summary: "Afternoon storms" },
  },
];

const byZip = new Map(places.map((p) => [p.zip, p]));

export function findPlace(zip: string): Place | undefined {
  return byZip.get(zip);
}

/** GET /current: the seed tutorial's shape. */
export function current(place: Place) {
  return {
    zip: place.zip,
    temperature: place.current.temperature,
    humidity: place.current.humidity,
    city: place.city,
    state: place.state,
  };
}

/** GET /today: the same fields for the day (temperature is the high), plus the range and a summary. */
export function today(place: Place) {
  const { high, low, humidity, summary } = place.today;
  return { zip: place.zip, temperature: high, humidity, city: place.city, state: place.state, high, low, summary };
}
