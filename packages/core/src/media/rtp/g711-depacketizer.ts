import type { MediaPacket, TrackInfo } from '../../stream/media-packet.js';
import { MediaTimeline } from './media-timeline.js';
import type { SenderReportClock } from './rtcp.js';
import type { RtpPacket } from './rtp-packet.js';
import { sequenceDelta } from './sequence.js';

/** Options of a {@link G711Depacketizer}. */
export interface G711DepacketizerOptions {
  /** Track emitted for (codec `pcma` or `pcmu`, PT 8 or 0). */
  readonly track: TrackInfo;
  /** RTP clock rate; default `track.timescale` (8000). */
  readonly clockRate?: number;
  readonly senderReportClock?: SenderReportClock;
}

/** Counters of an audio depacketizer. */
export interface AudioDepacketizerStats {
  packets: number;
  lost: number;
  outOfOrder: number;
  emitted: number;
  /** Packets or fragments that could not be read, dropped. */
  badPayloads: number;
}

/**
 * RTP G.711 (PCMA/PCMU, RFC 3551) depacketizer: each packet's payload is one audio frame.
 *
 * @example
 * ```ts
 * const depacketizer = new G711Depacketizer({ track: { id: 1, kind: 'audio', codec: 'pcma', timescale: 8000 } });
 * const [frame] = depacketizer.process(rtpPacket);
 * ```
 */
export class G711Depacketizer {
  readonly #track: TrackInfo;
  readonly #timeline: MediaTimeline;
  #lastSequence = -1;
  readonly #stats: AudioDepacketizerStats = { packets: 0, lost: 0, outOfOrder: 0, emitted: 0, badPayloads: 0 };

  constructor(options: G711DepacketizerOptions) {
    this.#track = options.track;
    this.#timeline = new MediaTimeline(options.clockRate ?? options.track.timescale, options.track.timescale, options.senderReportClock);
  }

  /** One frame per packet with a payload; none for an empty or repeated packet. */
  process(packet: RtpPacket): MediaPacket[] {
    this.#stats.packets += 1;
    if (this.#lastSequence >= 0) {
      const delta = sequenceDelta(packet.sequence, this.#lastSequence);
      if (delta <= 0) {
        this.#stats.outOfOrder += 1;
        return [];
      }
      this.#stats.lost += delta - 1;
    }
    this.#lastSequence = packet.sequence;
    if (packet.payload.byteLength === 0) {
      this.#stats.badPayloads += 1;
      return [];
    }
    const pts = this.#timeline.toPts(this.#timeline.unwrap(packet.timestamp));
    const wallClock = this.#timeline.wallClockOf(packet.timestamp);
    this.#stats.emitted += 1;
    const units = [packet.payload];
    return [
      wallClock === undefined
        ? { track: this.#track, pts, keyframe: true, units }
        : { track: this.#track, pts, keyframe: true, units, wallClock },
    ];
  }

  /** Counters, for stats and logs. */
  toJSON(): AudioDepacketizerStats {
    return { ...this.#stats };
  }
}
