// A software passkey for tests: one ES256 credential on Web Crypto, answering registration and authentication
// ceremonies with the JSON a browser posts (WebAuthn Level 3 §5.1 toJSON()). Every flag and field a test needs to
// get wrong is a knob; the defaults are what a synced platform passkey sends.
import { base64url } from "jose";
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "../../src/lib/webauthn";

const ES256 = { name: "ECDSA", namedCurve: "P-256" } as const;

// §6.1 Authenticator Data, flags.
const UP = 0x01;
const UV = 0x04;
const BE = 0x08;
const BS = 0x10;
const AT = 0x40;

/** What a ceremony answer can get wrong. */
interface Knobs {
  challenge: string;
  origin?: string;
  rpId?: string;
  /** The UP flag. */
  userPresent?: boolean;
  /** The UV flag. */
  userVerified?: boolean;
  /** The BE flag. */
  backupEligible?: boolean;
  /** The BS flag. */
  backedUp?: boolean;
  /** The signature counter; by default the authenticator's own, which every assertion increments. */
  counter?: number;
  /** clientDataJSON.crossOrigin (§5.8.1). */
  crossOrigin?: boolean;
}

interface RegistrationKnobs extends Knobs {
  userHandle: string;
  /** The attestation statement format; its statement is always empty. */
  format?: string;
  /** Name another credential ID in the JSON than the one in the authenticator data. */
  credentialId?: string;
}

interface AssertionKnobs extends Knobs {
  /** Sign with this key instead of the credential's. */
  signingKey?: CryptoKey;
  /** The user handle to return; by default the one registered, null for none. */
  userHandle?: string | null;
  /** Answer as another credential ID. */
  credentialId?: string;
}

export const ORIGIN = "https://auth.example.com";
export const RP_ID = "auth.example.com";

export class SoftAuthenticator {
  /** The authenticator's own signature counter. */
  signCount = 0;
  private userHandle: string | undefined;

  private constructor(
    readonly credentialId: string,
    private readonly keys: CryptoKeyPair,
  ) {}

  static async create(): Promise<SoftAuthenticator> {
    const keys = (await crypto.subtle.generateKey(ES256, true, ["sign", "verify"])) as CryptoKeyPair;
    return new SoftAuthenticator(base64url.encode(crypto.getRandomValues(new Uint8Array(16))), keys);
  }

  /** A key pair that is not this credential's, for signatures that must not verify. */
  static async otherKey(): Promise<CryptoKey> {
    const keys = (await crypto.subtle.generateKey(ES256, true, ["sign", "verify"])) as CryptoKeyPair;
    return keys.privateKey;
  }

  /** navigator.credentials.create() with attestation "none" (§6.5.1 attested credential data, §8.7). */
  async register(knobs: RegistrationKnobs): Promise<RegistrationResponseJSON> {
    this.userHandle = knobs.userHandle;
    this.signCount = knobs.counter ?? this.signCount;
    const clientDataJSON = clientData("webauthn.create", knobs);
    const raw = await exportBytes("raw", this.keys.publicKey);
    // §6.5.1.1: the EC2 credential public key as a COSE_Key: kty 2, alg -7, crv 1 (P-256), x, y.
    const coseKey = cbor(
      new Map<number, CborValue>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, raw.slice(1, 33)],
        [-3, raw.slice(33, 65)],
      ]),
    );
    const id = base64url.decode(this.credentialId);
    const attested = concat(new Uint8Array(16), uint16(id.length), id, coseKey); // AAGUID all zeros
    const authData = await authenticatorData(knobs, this.signCount, AT, attested);
    const attestationObject = cbor(
      new Map<string, CborValue>([
        ["fmt", knobs.format ?? "none"],
        ["attStmt", new Map<string, CborValue>()],
        ["authData", authData],
      ]),
    );
    const named = knobs.credentialId ?? this.credentialId;
    return {
      id: named,
      rawId: named,
      type: "public-key",
      authenticatorAttachment: "platform",
      clientExtensionResults: {},
      response: {
        clientDataJSON: base64url.encode(clientDataJSON),
        attestationObject: base64url.encode(attestationObject),
        authenticatorData: base64url.encode(authData),
        transports: ["hybrid", "internal"],
        publicKeyAlgorithm: -7,
        publicKey: base64url.encode(await exportBytes("spki", this.keys.publicKey)),
      },
    };
  }

  /** navigator.credentials.get(): a signature over authData ‖ SHA-256(clientDataJSON) (§6.3.3, §7.2). */
  async assert(knobs: AssertionKnobs): Promise<AuthenticationResponseJSON> {
    if (knobs.counter === undefined) this.signCount += 1;
    const clientDataJSON = clientData("webauthn.get", knobs);
    const authData = await authenticatorData(knobs, knobs.counter ?? this.signCount, 0);
    const signed = concat(authData, new Uint8Array(await crypto.subtle.digest("SHA-256", clientDataJSON)));
    const rawSignature = await crypto.subtle.sign(
      { name: "ECDSA", hash: "SHA-256" },
      knobs.signingKey ?? this.keys.privateKey,
      signed,
    );
    const userHandle = knobs.userHandle === undefined ? this.userHandle : knobs.userHandle;
    const id = knobs.credentialId ?? this.credentialId;
    return {
      id,
      rawId: id,
      type: "public-key",
      authenticatorAttachment: "platform",
      clientExtensionResults: {},
      response: {
        clientDataJSON: base64url.encode(clientDataJSON),
        authenticatorData: base64url.encode(authData),
        signature: base64url.encode(derSignature(new Uint8Array(rawSignature))),
        ...(userHandle ? { userHandle } : {}),
      },
    };
  }
}

async function exportBytes(format: "raw" | "spki", key: CryptoKey): Promise<Uint8Array> {
  const exported = await crypto.subtle.exportKey(format, key);
  if (!(exported instanceof ArrayBuffer)) throw new Error(`${format} export is not bytes`);
  return new Uint8Array(exported);
}

/** §5.8.1.1: type, challenge, origin, crossOrigin, in that order. */
function clientData(type: string, knobs: Knobs): Uint8Array {
  const origin = knobs.origin ?? ORIGIN;
  const json = JSON.stringify({ type, challenge: knobs.challenge, origin, crossOrigin: knobs.crossOrigin ?? false });
  return new TextEncoder().encode(json);
}

/** §6.1: rpIdHash (32) ‖ flags (1) ‖ signCount (4, big-endian) ‖ attested credential data. */
async function authenticatorData(
  knobs: Knobs,
  counter: number,
  extraFlags: number,
  attested = new Uint8Array(0),
): Promise<Uint8Array> {
  const rpIdHash = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(knobs.rpId ?? RP_ID)));
  const flags =
    extraFlags |
    ((knobs.userPresent ?? true) ? UP : 0) |
    ((knobs.userVerified ?? true) ? UV : 0) |
    ((knobs.backupEligible ?? true) ? BE : 0) |
    ((knobs.backedUp ?? knobs.backupEligible ?? true) ? BS : 0);
  const count = new Uint8Array(4);
  new DataView(count.buffer).setUint32(0, counter);
  return concat(rpIdHash, Uint8Array.of(flags), count, attested);
}

/**
 * §6.5.5: an ES256 signature is the ASN.1 DER Ecdsa-Sig-Value, SEQUENCE { r INTEGER, s INTEGER }; Web Crypto
 * gives r ‖ s, 32 bytes each. An INTEGER is minimal and positive: leading zeros go, a 0x00 goes before a high bit.
 */
function derSignature(raw: Uint8Array): Uint8Array {
  const integer = (bytes: Uint8Array): Uint8Array => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start++;
    const trimmed = bytes.slice(start);
    const body = (trimmed[0] ?? 0) & 0x80 ? concat(Uint8Array.of(0), trimmed) : trimmed;
    return concat(Uint8Array.of(0x02, body.length), body);
  };
  const content = concat(integer(raw.slice(0, 32)), integer(raw.slice(32, 64)));
  return concat(Uint8Array.of(0x30, content.length), content);
}

// A CBOR encoder (RFC 8949) for what authenticators send: unsigned and negative integers, byte strings, text
// strings, and maps with integer or text keys, in the order given (CTAP2's canonical order is the caller's job).
type CborValue = number | string | Uint8Array | Map<number | string, CborValue>;

function cbor(value: CborValue): Uint8Array {
  if (typeof value === "number") {
    if (!Number.isInteger(value)) throw new Error("CBOR: integers only");
    return value >= 0 ? head(0, value) : head(1, -1 - value);
  }
  if (typeof value === "string") {
    const bytes = new TextEncoder().encode(value);
    return concat(head(3, bytes.length), bytes);
  }
  if (value instanceof Uint8Array) return concat(head(2, value.length), value);
  const parts = [head(5, value.size)];
  for (const [key, item] of value) parts.push(cbor(key), cbor(item));
  return concat(...parts);
}

/** The initial byte (major type, additional information) and the argument, in the shortest form. */
function head(major: number, argument: number): Uint8Array {
  const type = major << 5;
  if (argument < 24) return Uint8Array.of(type | argument);
  if (argument < 0x100) return Uint8Array.of(type | 24, argument);
  if (argument < 0x10000) return concat(Uint8Array.of(type | 25), uint16(argument));
  const bytes = new Uint8Array(5);
  bytes[0] = type | 26;
  new DataView(bytes.buffer).setUint32(1, argument);
  return bytes;
}

function uint16(value: number): Uint8Array {
  return Uint8Array.of(value >> 8, value & 0xff);
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
