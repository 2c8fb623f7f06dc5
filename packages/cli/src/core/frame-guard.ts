/**
 * Follows MQTT framing over a byte stream (fixed header: one type byte, then the remaining length as a
 * 1–4 byte varint) without buffering anything, so a packet can be judged by its declared size before
 * the parser starts collecting its body. The parser itself (mqtt-packet) has no size limit.
 */
export type FrameVerdict = { ok: true } | { ok: false; reason: string };

export class FrameGuard {
  private state: "type" | "length" | "body" = "type";
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private remaining = 0;

  /** `limit` is asked at each header: the allowed size can change once the client has logged in. */
  constructor(private readonly limit: () => number) {}

  feed(chunk: Uint8Array): FrameVerdict {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === "body") {
        const n = Math.min(this.remaining, chunk.length - i);
        this.remaining -= n;
        i += n;
        if (this.remaining === 0) this.state = "type";
        continue;
      }
      const byte = chunk[i++] ?? 0;
      if (this.state === "type") {
        this.state = "length";
        this.length = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
        continue;
      }
      this.length += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.lengthBytes++;
      if ((byte & 0x80) !== 0) {
        if (this.lengthBytes === 4) return { ok: false, reason: "malformed remaining length" };
        continue;
      }
      const max = this.limit();
      if (this.length > max)
        return { ok: false, reason: `a packet of ${this.length} bytes is over the limit of ${max}` };
      this.remaining = this.length;
      this.state = this.length === 0 ? "type" : "body";
    }
    return { ok: true };
  }
}
