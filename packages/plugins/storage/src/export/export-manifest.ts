// The evidence export manifest: what `exportCase` writes and `verifyExport` checks.

/** Name of the manifest in an export directory. */
export const MANIFEST_FILE = 'manifest.json';

/** A time as both ISO 8601 (UTC) and ms since the epoch. */
export interface ManifestTime {
  readonly iso: string;
  readonly ms: number;
}

/** One file of an export. */
export interface ManifestFile {
  /** File name in the export directory (no folders). */
  readonly name: string;
  readonly bytes: number;
  /** SHA-256 of the file, lower-case hex. */
  readonly sha256: string;
  /** The camera the file is of. */
  readonly camera: string;
  /** Wall-clock time (ms) of its first frame (a keyframe at or before the range start) and of the end of its last. */
  readonly start: number;
  readonly end: number;
}

/** One camera of an export: its files in time order; none when it had no recording in the range. */
export interface ManifestCamera {
  readonly camera: string;
  readonly files: readonly string[];
}

/** The Ed25519 signature of a manifest. */
export interface ManifestSignature {
  readonly algorithm: 'Ed25519';
  /** First 16 hex digits of the SHA-256 of the public key (DER SPKI). */
  readonly keyId: string;
  /** The signer's public key as SPKI PEM. */
  readonly publicKey: string;
  /** Base64 signature over {@link canonicalJson} of the manifest without `signature`. */
  readonly value: string;
}

/** `manifest.json` of an evidence export. */
export interface ExportManifest {
  readonly version: 1;
  readonly exportId: string;
  readonly cameras: readonly ManifestCamera[];
  readonly from: ManifestTime;
  readonly to: ManifestTime;
  readonly exportedBy: string;
  readonly exportedAt: ManifestTime;
  readonly files: readonly ManifestFile[];
  readonly signature: ManifestSignature;
}

/**
 * JSON with object keys sorted (by UTF-16 code unit) at every level and no whitespace: the same bytes for the same
 * value whoever wrote the file and however it was indented. Takes what `JSON.parse` gives (no `undefined`, no
 * non-finite numbers).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError(`canonicalJson cannot hold ${value}`);
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`canonicalJson cannot hold a ${typeof value}`);
    return text;
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The bytes a manifest's signature covers: the canonical JSON of everything but `signature`. */
export function signedBytes(manifest: object): Uint8Array {
  const { signature: _signature, ...rest } = manifest as Record<string, unknown>;
  return new TextEncoder().encode(canonicalJson(rest));
}
