/**
 * Collects a stream's bytes up to a cap and counts the rest, so a chatty command (an apt
 * upgrade log) cannot exhaust memory. The command keeps running: killing an upgrade half-way
 * because it printed a lot would be worse than losing the tail of its log.
 */
export class CappedOutput {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  dropped = 0;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Buffer | string): void {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const room = this.maxBytes - this.kept;
    if (room >= buf.length) {
      this.chunks.push(buf);
      this.kept += buf.length;
      return;
    }
    if (room > 0) {
      this.chunks.push(buf.subarray(0, room));
      this.kept += room;
    }
    this.dropped += buf.length - Math.max(room, 0);
  }

  get truncated(): boolean {
    return this.dropped > 0;
  }

  /** UTF-8 text of what was kept (decoded once at the end so multi-byte characters split across chunks survive). */
  text(): string {
    return Buffer.concat(this.chunks, this.kept).toString('utf8');
  }
}
