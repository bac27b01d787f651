// A minimal SPDY/3.1 server session, enough for client-go's port-forward client (moby/spdystream): the client
// opens streams (SYN_STREAM), the server answers SYN_REPLY, both sides exchange DATA (with FIN) and RST_STREAM,
// PINGs are echoed. Flow control (WINDOW_UPDATE, SETTINGS) is ignored, as spdystream ignores it.
//
// Header blocks share one zlib stream per direction, primed with the SPDY/3 dictionary. Incoming blocks are
// inflated by re-inflating the whole (small) compressed history up to the latest sync-flush point; outgoing blocks
// are written as stored (uncompressed) deflate blocks of a never-ending zlib stream, each followed by the empty
// stored block of a sync flush.
import { constants, inflateSync } from 'node:zlib';

const DICTIONARY = (() => {
  const words = [
    'options', 'head', 'post', 'put', 'delete', 'trace', 'accept', 'accept-charset', 'accept-encoding',
    'accept-language', 'accept-ranges', 'age', 'allow', 'authorization', 'cache-control', 'connection',
    'content-base', 'content-encoding', 'content-language', 'content-length', 'content-location', 'content-md5',
    'content-range', 'content-type', 'date', 'etag', 'expect', 'expires', 'from', 'host', 'if-match',
    'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since', 'last-modified', 'location',
    'max-forwards', 'pragma', 'proxy-authenticate', 'proxy-authorization', 'range', 'referer', 'retry-after',
    'server', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'user-agent', 'vary', 'via', 'warning',
    'www-authenticate', 'method', 'get', 'status', '200 OK', 'version', 'HTTP/1.1', 'url', 'public', 'set-cookie',
    'keep-alive', 'origin',
  ]; // prettier-ignore
  const tail =
    '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505' +
    '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized' +
    '403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable' +
    'Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT' +
    'chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,' +
    'text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.';
  const parts: Buffer[] = [];
  for (const w of words) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(w.length);
    parts.push(len, Buffer.from(w, 'latin1'));
  }
  parts.push(Buffer.from(tail, 'latin1'));
  return Buffer.concat(parts);
})();

function adler32(buf: Buffer): number {
  let a = 1;
  let b = 0;
  for (const byte of buf) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

const TYPE = {
  SYN_STREAM: 1,
  SYN_REPLY: 2,
  RST_STREAM: 3,
  SETTINGS: 4,
  PING: 6,
  GOAWAY: 7,
  HEADERS: 8,
} as const;
const FLAG_FIN = 0x01;
export const RST_CANCEL = 5;

export interface SpdyTransport {
  write(data: Buffer): void;
  end(): void;
}

export class SpdyStream {
  readonly headers = new Map<string, string>();
  private dataHandler: (data: Buffer) => void = () => {};
  private endHandler: () => void = () => {};
  private resetHandler: () => void = () => {};
  /** The peer sent FIN or RST. */
  remoteClosed = false;
  /** We sent FIN or RST. */
  localClosed = false;

  constructor(
    readonly id: number,
    private readonly session: SpdySession,
  ) {}

  onData(fn: (data: Buffer) => void): void {
    this.dataHandler = fn;
  }
  onEnd(fn: () => void): void {
    this.endHandler = fn;
  }
  onReset(fn: () => void): void {
    this.resetHandler = fn;
  }

  write(data: Buffer): void {
    if (this.localClosed) return;
    for (let off = 0; off < data.length; off += 32 * 1024) {
      this.session.sendData(this.id, data.subarray(off, off + 32 * 1024), false);
    }
  }

  end(): void {
    if (this.localClosed) return;
    this.localClosed = true;
    this.session.sendData(this.id, Buffer.alloc(0), true);
    if (this.remoteClosed) this.session.forget(this.id);
  }

  reset(): void {
    if (this.localClosed && this.remoteClosed) return;
    this.localClosed = true;
    this.remoteClosed = true;
    this.session.sendRst(this.id, RST_CANCEL);
  }

  /** @internal */
  receive(data: Buffer, fin: boolean): void {
    if (this.remoteClosed) return;
    if (data.length > 0) this.dataHandler(data);
    if (fin) {
      this.remoteClosed = true;
      this.endHandler();
      if (this.localClosed) this.session.forget(this.id);
    }
  }

  /** @internal */
  receiveReset(): void {
    this.remoteClosed = true;
    this.localClosed = true;
    this.resetHandler();
  }
}

export class SpdySession {
  private buf: Buffer = Buffer.alloc(0);
  private readonly streams = new Map<number, SpdyStream>();
  private inflateInput: Buffer = Buffer.alloc(0);
  private inflatedLength = 0;
  private deflateStarted = false;
  private closed = false;

  constructor(
    private readonly transport: SpdyTransport,
    private readonly onStream: (stream: SpdyStream) => void,
    private readonly onClose: () => void = () => {},
  ) {}

  /** Feeds bytes received from the peer. */
  feed(chunk: Buffer): void {
    if (this.closed) return;
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    while (this.buf.length >= 8) {
      const length = this.buf.readUInt32BE(4) & 0xffffff;
      if (this.buf.length < 8 + length) break;
      const frame = this.buf.subarray(0, 8 + length);
      this.buf = this.buf.subarray(8 + length);
      try {
        this.frame(frame);
      } catch {
        this.close();
        return;
      }
    }
  }

  private frame(f: Buffer): void {
    const first = f.readUInt32BE(0);
    const flags = f[4]!;
    const payload = f.subarray(8);
    if ((first & 0x80000000) === 0) {
      this.streams.get(first & 0x7fffffff)?.receive(payload, (flags & FLAG_FIN) !== 0);
      return;
    }
    const type = first & 0xffff;
    switch (type) {
      case TYPE.SYN_STREAM: {
        const id = payload.readUInt32BE(0) & 0x7fffffff;
        const stream = new SpdyStream(id, this);
        for (const [k, v] of this.readHeaders(payload.subarray(10))) stream.headers.set(k, v);
        this.streams.set(id, stream);
        this.sendControl(TYPE.SYN_REPLY, 0, Buffer.concat([u32(id), this.writeHeaders([])]));
        this.onStream(stream);
        if ((flags & FLAG_FIN) !== 0) stream.receive(Buffer.alloc(0), true);
        break;
      }
      case TYPE.HEADERS:
        this.readHeaders(payload.subarray(4));
        break;
      case TYPE.RST_STREAM: {
        const id = payload.readUInt32BE(0) & 0x7fffffff;
        const stream = this.streams.get(id);
        this.streams.delete(id);
        stream?.receiveReset();
        break;
      }
      case TYPE.PING:
        this.sendControl(TYPE.PING, 0, payload);
        break;
      case TYPE.GOAWAY:
        this.close();
        break;
      default:
        break; // SETTINGS, WINDOW_UPDATE, ...: ignored
    }
  }

  private readHeaders(block: Buffer): [string, string][] {
    this.inflateInput = Buffer.concat([this.inflateInput, block]);
    const all = inflateSync(this.inflateInput, {
      dictionary: DICTIONARY,
      finishFlush: constants.Z_SYNC_FLUSH,
    });
    const plain = all.subarray(this.inflatedLength);
    this.inflatedLength = all.length;
    const out: [string, string][] = [];
    let off = 0;
    const take = () => {
      const len = plain.readUInt32BE(off);
      const s = plain.subarray(off + 4, off + 4 + len).toString('utf8');
      off += 4 + len;
      return s;
    };
    const count = plain.readUInt32BE(0);
    off = 4;
    for (let i = 0; i < count; i++) {
      const name = take();
      out.push([name.toLowerCase(), take()]);
    }
    return out;
  }

  private writeHeaders(headers: [string, string][]): Buffer {
    const parts: Buffer[] = [u32(headers.length)];
    for (const [k, v] of headers) {
      const kb = Buffer.from(k.toLowerCase());
      const vb = Buffer.from(v);
      parts.push(u32(kb.length), kb, u32(vb.length), vb);
    }
    const plain = Buffer.concat(parts);
    const out: Buffer[] = [];
    if (!this.deflateStarted) {
      this.deflateStarted = true;
      const cmf = 0x78;
      let flg = 0x20 | 0x80; // FDICT, FLEVEL=2
      flg += (31 - ((cmf * 256 + flg) % 31)) % 31;
      out.push(Buffer.from([cmf, flg]), u32(adler32(DICTIONARY)));
    }
    for (let off = 0; off < plain.length; off += 0xffff) {
      const chunk = plain.subarray(off, off + 0xffff);
      const hdr = Buffer.alloc(5);
      hdr[0] = 0x00; // BFINAL=0, BTYPE=00 (stored)
      hdr.writeUInt16LE(chunk.length, 1);
      hdr.writeUInt16LE(~chunk.length & 0xffff, 3);
      out.push(hdr, chunk);
    }
    // An empty stored block, as a zlib sync flush ends with: Go's inflater only hands out a stored block's bytes
    // once it has read the next block header, which must therefore be inside this frame.
    out.push(Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]));
    return Buffer.concat(out);
  }

  private sendControl(type: number, flags: number, payload: Buffer): void {
    const h = Buffer.alloc(8);
    h.writeUInt16BE(0x8000 | 3, 0);
    h.writeUInt16BE(type, 2);
    h.writeUInt32BE(((flags << 24) | payload.length) >>> 0, 4);
    this.write(Buffer.concat([h, payload]));
  }

  /** @internal */
  sendData(id: number, data: Buffer, fin: boolean): void {
    const h = Buffer.alloc(8);
    h.writeUInt32BE(id & 0x7fffffff, 0);
    h.writeUInt32BE((((fin ? FLAG_FIN : 0) << 24) | data.length) >>> 0, 4);
    this.write(Buffer.concat([h, data]));
  }

  /**
   * @internal A stream closed both ways is done; the session (one per kubectl port-forward, carrying every
   * forwarded connection) stays up.
   */
  forget(id: number): void {
    this.streams.delete(id);
  }

  /** @internal */
  sendRst(id: number, status: number): void {
    this.streams.delete(id);
    this.sendControl(TYPE.RST_STREAM, 0, Buffer.concat([u32(id), u32(status)]));
  }

  private write(data: Buffer): void {
    if (!this.closed) this.transport.write(data);
  }

  /** Sends GOAWAY, resets open streams and ends the transport. */
  close(): void {
    if (this.closed) return;
    const last = Math.max(0, ...this.streams.keys());
    this.sendControl(TYPE.GOAWAY, 0, Buffer.concat([u32(last), u32(0)]));
    this.closed = true;
    for (const s of this.streams.values()) s.receiveReset();
    this.streams.clear();
    this.transport.end();
    this.onClose();
  }

  /** The transport went away underneath us. */
  terminated(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.streams.values()) s.receiveReset();
    this.streams.clear();
    this.onClose();
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}
