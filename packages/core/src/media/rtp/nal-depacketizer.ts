import type { MediaPacket, TrackInfo } from '../../stream/media-packet.js';
import { sameBytes } from '../codec/same-bytes.js';
import type { SenderReportClock } from './rtcp.js';
import type { RtpPacket } from './rtp-packet.js';
import { MediaTimeline } from './media-timeline.js';
import { sequenceDelta } from './sequence.js';

/** What most packets complete: nothing. Shared, so the per-packet call allocates no array. */
const NONE: MediaPacket[] = Object.freeze([]) as unknown as MediaPacket[];

/** Options shared by the H.264 and H.265 depacketizers. */
export interface NalDepacketizerOptions {
  /** Track the access units are emitted for (its `parameterSets` are the out-of-band ones, if any). */
  readonly track: TrackInfo;
  /** RTP clock rate; default `track.timescale` (90 000). */
  readonly clockRate?: number;
  /** Maps RTP timestamps to `wallClock`, from RTCP sender reports. */
  readonly senderReportClock?: SenderReportClock;
  /** Largest access unit assembled, in bytes; a larger one is dropped as broken. Default 8 MiB. */
  readonly maxAccessUnitBytes?: number;
}

/** Counters of a depacketizer. */
export interface DepacketizerStats {
  /** RTP packets taken. */
  packets: number;
  /** Packets missing from the sequence. */
  lost: number;
  /** Packets older than the last one, dropped. */
  outOfOrder: number;
  /** Access units emitted. */
  emitted: number;
  /** Access units dropped because a packet of theirs was lost or a fragment was inconsistent. */
  dropped: number;
  /** Delta access units dropped while waiting for a keyframe after a loss. */
  skippedUntilKeyframe: number;
  /** Fragmented NAL units discarded (missing start, missing end, over the size bound). */
  brokenFragments: number;
  /** Packets with a payload that could not be read (unsupported or truncated aggregation), dropped. */
  badPayloads: number;
  /** Times the parameter sets changed in band (a new TrackInfo). */
  trackChanges: number;
}

/** Codec facts the shared assembler needs. @internal */
export interface NalCodec {
  /** True for a NAL unit that makes its access unit a random access point. */
  isKeyframe(nal: Uint8Array): boolean;
  /** Index in the parameter set list (0 VPS/SPS ...), or -1 for other NAL units. */
  parameterSetSlot(nal: Uint8Array): number;
  /** Number of parameter set kinds (2 for H.264: SPS, PPS; 3 for H.265: VPS, SPS, PPS). */
  readonly parameterSetKinds: number;
}

/**
 * The part of RTP H.264/H.265 depacketizing that does not depend on the payload format: access unit boundaries
 * (marker bit, timestamp change), loss handling (drop the broken unit, wait for a keyframe), fragment reassembly
 * buffers, parameter sets (out of band from SDP, in band changes), timestamps.
 * @internal
 */
export abstract class NalDepacketizer {
  #track: TrackInfo;
  readonly #timeline: MediaTimeline;
  readonly #maxBytes: number;
  readonly #codec: NalCodec;

  #lastSequence = -1;
  #auTimestamp = 0;
  #auTime = 0;
  #auUnits: Uint8Array[] = [];
  #auBytes = 0;
  #auBroken = false;
  #waitForKeyframe = true;
  #parameterSetsSent = false;

  #fragments: Uint8Array[] = [];
  #fragmentBytes = 0;
  #fragmenting = false;

  protected readonly stats: DepacketizerStats = {
    packets: 0,
    lost: 0,
    outOfOrder: 0,
    emitted: 0,
    dropped: 0,
    skippedUntilKeyframe: 0,
    brokenFragments: 0,
    badPayloads: 0,
    trackChanges: 0,
  };

  protected constructor(options: NalDepacketizerOptions, codec: NalCodec, outOfBand: readonly Uint8Array[]) {
    const clockRate = options.clockRate ?? options.track.timescale;
    this.#timeline = new MediaTimeline(clockRate, options.track.timescale, options.senderReportClock);
    this.#maxBytes = options.maxAccessUnitBytes ?? 8 * 1024 * 1024;
    this.#codec = codec;
    this.#track = outOfBand.length > 0 ? { ...options.track, parameterSets: outOfBand } : options.track;
  }

  /** The current track: the one given, or the last one announced by an in-band parameter set change. */
  get track(): TrackInfo {
    return this.#track;
  }

  /**
   * Takes the next RTP packet (in sequence order) and returns the access units it completes: usually none or one.
   * Payload bytes are referenced, not copied, until their access unit is emitted: do not reuse packet buffers.
   * The returned array is read-only: the empty result (most packets) is one shared frozen array.
   */
  process(packet: RtpPacket): MediaPacket[] {
    this.stats.packets += 1;
    let lost = false;
    if (this.#lastSequence >= 0) {
      const delta = sequenceDelta(packet.sequence, this.#lastSequence);
      if (delta <= 0) {
        this.stats.outOfOrder += 1;
        return NONE;
      }
      if (delta > 1) {
        this.#onLoss(delta - 1);
        lost = true;
      }
    }
    this.#lastSequence = packet.sequence;
    // Most packets complete nothing: no array for them (this runs once per RTP packet).
    let first: MediaPacket | undefined;
    if (this.#auUnits.length > 0 || this.#auBroken || this.#fragmenting) {
      if (packet.timestamp >>> 0 !== this.#auTimestamp) first = this.#finish();
    }
    // The missing packets may have been the start of this packet's access unit: it cannot be trusted either.
    if (lost) this.#auBroken = true;
    // Unwrapped on every packet, not only emitted ones, so pts stays relative to the first packet across drops.
    this.#auTime = this.#timeline.unwrap(packet.timestamp);
    this.#auTimestamp = packet.timestamp >>> 0;
    this.depacketize(packet.payload);
    const last = packet.marker ? this.#finish() : undefined;
    if (first === undefined) return last === undefined ? NONE : [last];
    return last === undefined ? [first] : [first, last];
  }

  /** Emits the access unit in progress, if complete (end of stream). */
  flush(): MediaPacket[] {
    const unit = this.#auUnits.length > 0 || this.#auBroken || this.#fragmenting ? this.#finish() : undefined;
    return unit === undefined ? [] : [unit];
  }

  /** Counters, for stats and logs. */
  toJSON(): DepacketizerStats {
    return { ...this.stats };
  }

  /** Splits one RTP payload into NAL units, calling {@link addNal} and the fragment methods. */
  protected abstract depacketize(payload: Uint8Array): void;

  /** Adds one complete NAL unit to the access unit in progress. */
  protected addNal(nal: Uint8Array): void {
    if (nal.byteLength === 0) return;
    this.#auBytes += nal.byteLength;
    if (this.#auBytes > this.#maxBytes) {
      this.#auBroken = true;
      return;
    }
    this.#auUnits.push(nal);
  }

  /** Starts a fragmented NAL unit with its rebuilt header; a fragment already in progress is broken. */
  protected startFragment(header: Uint8Array, data: Uint8Array): void {
    if (this.#fragmenting) this.#breakFragment();
    this.#fragmenting = true;
    this.#fragments.length = 0;
    this.#fragments.push(header);
    this.#fragmentBytes = header.byteLength;
    this.continueFragment(data);
  }

  /** Appends to the fragmented NAL unit in progress; without one, the access unit is broken. */
  protected continueFragment(data: Uint8Array): void {
    if (!this.#fragmenting) {
      this.stats.brokenFragments += 1;
      this.#auBroken = true;
      return;
    }
    this.#fragmentBytes += data.byteLength;
    if (this.#fragmentBytes + this.#auBytes > this.#maxBytes) {
      this.#breakFragment();
      return;
    }
    this.#fragments.push(data);
  }

  /** Ends the fragmented NAL unit in progress: one allocation for the whole unit. */
  protected endFragment(): void {
    if (!this.#fragmenting) return; // already counted by continueFragment
    const nal = new Uint8Array(this.#fragmentBytes);
    let at = 0;
    for (const part of this.#fragments) {
      nal.set(part, at);
      at += part.byteLength;
    }
    this.#fragments.length = 0;
    this.#fragmenting = false;
    this.addNal(nal);
  }

  /**
   * Takes the size-prefixed NAL unit at `at` of an aggregation packet (H.264 STAP-A, H.265 AP): returns the offset
   * after it, or -1 when the size runs past the payload (counted as a bad payload).
   */
  protected takeSizedNal(payload: Uint8Array, at: number): number {
    if (at + 2 > payload.byteLength) {
      this.badPayload();
      return -1;
    }
    const size = (payload[at]! << 8) | payload[at + 1]!;
    if (at + 2 + size > payload.byteLength) {
      this.badPayload();
      return -1;
    }
    this.addNal(payload.subarray(at + 2, at + 2 + size));
    return at + 2 + size;
  }

  /** The payload could not be read: drop it and the access unit it belongs to. */
  protected badPayload(): void {
    this.stats.badPayloads += 1;
    this.#auBroken = true;
  }

  #breakFragment(): void {
    this.stats.brokenFragments += 1;
    this.#fragments.length = 0;
    this.#fragmenting = false;
    this.#auBroken = true;
  }

  #onLoss(count: number): void {
    this.stats.lost += count;
    if (this.#fragmenting) this.#breakFragment();
    // Whatever the missing packets carried, the access unit in progress (or the next one, if the loss straddles a
    // boundary) cannot be trusted, and the frames after it reference what was lost.
    if (this.#auUnits.length > 0) this.#auBroken = true;
    this.#waitForKeyframe = true;
  }

  /** Ends the access unit in progress; returns it unless it is broken, empty or skipped. */
  #finish(): MediaPacket | undefined {
    if (this.#fragmenting) this.#breakFragment();
    const units = this.#auUnits;
    const broken = this.#auBroken;
    this.#auUnits = [];
    this.#auBytes = 0;
    this.#auBroken = false;
    if (broken) {
      this.stats.dropped += 1;
      return undefined;
    }
    if (units.length === 0) return undefined;
    let keyframe = false;
    const kinds = this.#codec.parameterSetKinds;
    let inBand: (Uint8Array | undefined)[] | undefined;
    for (const nal of units) {
      if (this.#codec.isKeyframe(nal)) keyframe = true;
      const slot = this.#codec.parameterSetSlot(nal);
      if (slot >= 0) {
        inBand ??= new Array<Uint8Array | undefined>(kinds);
        inBand[slot] ??= nal;
      }
    }
    if (this.#waitForKeyframe) {
      if (!keyframe) {
        this.stats.skippedUntilKeyframe += 1;
        return undefined;
      }
      this.#waitForKeyframe = false;
    }
    if (inBand !== undefined) this.#updateParameterSets(inBand);
    let emitted: Uint8Array[] = units;
    if (keyframe && !this.#parameterSetsSent) {
      this.#parameterSetsSent = true;
      const known = this.#track.parameterSets;
      if (inBand === undefined && known !== undefined && known.length > 0) emitted = [...known, ...units];
    }
    const pts = this.#timeline.toPts(this.#auTime);
    const wallClock = this.#timeline.wallClockOf(this.#auTimestamp);
    this.stats.emitted += 1;
    return wallClock === undefined
      ? { track: this.#track, pts, keyframe, units: emitted }
      : { track: this.#track, pts, keyframe, units: emitted, wallClock };
  }

  #updateParameterSets(inBand: readonly (Uint8Array | undefined)[]): void {
    const current = this.#track.parameterSets ?? [];
    const next: Uint8Array[] = [];
    let changed = false;
    for (let kind = 0; kind < this.#codec.parameterSetKinds; kind++) {
      const fresh = inBand[kind];
      const old = current.find((nal) => this.#codec.parameterSetSlot(nal) === kind);
      if (fresh !== undefined && (old === undefined || !sameBytes(old, fresh))) {
        changed = true;
        next.push(fresh.slice()); // the track outlives the packet buffers
      } else if (old !== undefined) {
        next.push(old);
      }
    }
    if (!changed) return;
    this.stats.trackChanges += 1;
    this.#track = { ...this.#track, parameterSets: next };
  }
}

/** Decodes a comma-separated list of base64 NAL units (`sprop-parameter-sets`, `sprop-sps`...). */
export function decodeSpropList(value: string | undefined): Uint8Array[] {
  if (value === undefined) return [];
  const out: Uint8Array[] = [];
  for (const part of value.split(',')) {
    const trimmed = part.trim();
    if (trimmed === '') continue;
    const bytes = Buffer.from(trimmed, 'base64');
    if (bytes.byteLength > 0) out.push(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }
  return out;
}
