// RFC 4271 §4.1: cuts a TCP byte stream into messages. Chunks are used in place when they hold
// whole messages; only a message split across chunks is copied together.
import { BgpDecodeError, frameLength } from '../codec';

export interface Framed {
  /** Complete messages, in order. */
  frames: Uint8Array[];
  /** A bad header after `frames` (1/1, 1/2): the stream is unusable from there on. */
  error?: BgpDecodeError;
}

export class MessageFramer {
  private partial: Uint8Array | undefined;

  /** Every complete message in what has arrived so far, then the header error if one follows. */
  push(chunk: Uint8Array): Framed {
    let buf = chunk;
    if (this.partial) {
      const joined = new Uint8Array(this.partial.length + chunk.length);
      joined.set(this.partial, 0);
      joined.set(chunk, this.partial.length);
      buf = joined;
      this.partial = undefined;
    }
    const frames: Uint8Array[] = [];
    let offset = 0;
    for (;;) {
      let length: number | undefined;
      try {
        length = frameLength(buf, offset);
      } catch (error) {
        if (error instanceof BgpDecodeError) return { frames, error };
        throw error;
      }
      if (length === undefined || offset + length > buf.length) break;
      frames.push(buf.subarray(offset, offset + length));
      offset += length;
    }
    // A copy, so that the (possibly large) chunk is not kept alive by a few trailing bytes.
    if (offset < buf.length) this.partial = buf.slice(offset);
    return { frames };
  }

  /** Bytes received that do not make a whole message yet. */
  get buffered(): number {
    return this.partial?.length ?? 0;
  }
}
