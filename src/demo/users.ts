// The demo users (a contract, see the README: spoon/spoon with every standard claim, fork/fork), as data: the seed
// stores
// them, and the benchmark's oidc-provider peer (scripts/bench/peer.mjs) is given the same ones.

const spoonClaims = {
  name: "Sam Spoon",
  given_name: "Sam",
  family_name: "Spoon",
  middle_name: "T.",
  nickname: "spoony",
  preferred_username: "spoon",
  profile: "https://example.com/spoon",
  picture: "https://example.com/spoon.png",
  website: "https://example.com",
  gender: "female",
  birthdate: "1990-04-01",
  zoneinfo: "America/Los_Angeles",
  locale: "en-US",
  updated_at: 1700000000,
  email: "spoon@example.com",
  email_verified: true,
  address: {
    formatted: "1 Main Street\nBeverly Hills, CA 90210\nUS",
    street_address: "1 Main Street",
    locality: "Beverly Hills",
    region: "CA",
    postal_code: "90210",
    country: "US",
  },
  phone_number: "+1 310 555 0100",
  phone_number_verified: true,
};

const forkClaims = {
  name: "Frankie Fork",
  given_name: "Frankie",
  family_name: "Fork",
  preferred_username: "fork",
  locale: "en-GB",
  zoneinfo: "Europe/London",
  updated_at: 1700000000,
  email: "fork@example.com",
  email_verified: false,
};

/** Each user's password is its username (local development only). */
export const demoUsers = [
  { username: "spoon", sub: "8a6f1c2e-5b7d-4e0a-9c3f-0d1e2f3a4b5c", claims: spoonClaims },
  { username: "fork", sub: "3c9e7a1b-2d4f-4a6b-8c0d-1e2f3a4b5c6d", claims: forkClaims },
] as const;
