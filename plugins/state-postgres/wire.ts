/**
 * A minimal PostgreSQL client over Deno.connect: startup, cleartext, md5 and
 * SCRAM-SHA-256 authentication, optional TLS (SSLRequest), and the extended
 * query protocol with text parameters, so values never need SQL escaping.
 * Written here because a plugin bundle must be one module without imports,
 * and npm clients import node:net and friends.
 */

export interface PgOptions {
  readonly hostname: string;
  readonly port: number;
  readonly user: string;
  readonly password?: string;
  readonly database: string;
  /** "disable" (default), "prefer" or "require". */
  readonly sslmode?: string;
}

export class PgError extends Error {
  readonly code: string;
  constructor(readonly fields: Record<string, string>) {
    super(`${fields.S ?? "ERROR"}: ${fields.M ?? "unknown error"} (SQLSTATE ${fields.C ?? "?"})`);
    this.name = "PgError";
    this.code = fields.C ?? "";
  }
}

export interface PgResult {
  readonly rows: (string | null)[][];
  readonly command: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Builds one frontend message: type byte (none for startup), length, payload parts. */
function message(type: string, ...parts: (Uint8Array | number | string)[]): Uint8Array {
  const chunks: Uint8Array[] = parts.map((p) => {
    if (typeof p === "string") return encoder.encode(p + "\0");
    if (typeof p === "number") {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setInt32(0, p);
      return b;
    }
    return p;
  });
  const bodyLength = chunks.reduce((n, c) => n + c.length, 0);
  const head = type ? 1 : 0;
  const out = new Uint8Array(head + 4 + bodyLength);
  if (type) out[0] = type.charCodeAt(0);
  new DataView(out.buffer).setInt32(head, 4 + bodyLength);
  let at = head + 4;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function int16(n: number): Uint8Array {
  const b = new Uint8Array(2);
  new DataView(b.buffer).setInt16(0, n);
  return b;
}

// ── authentication helpers ─────────────────────────────────────────────────

const toB64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const fromB64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

async function hmac(
  key: Uint8Array,
  data: string | Uint8Array,
): Promise<Uint8Array<ArrayBuffer>> {
  const k = await crypto.subtle.importKey(
    "raw",
    key as Uint8Array<ArrayBuffer>,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, bytes as Uint8Array<ArrayBuffer>));
}

async function scramProof(password: string, clientFirstBare: string, serverFirst: string) {
  const attrs = new Map(serverFirst.split(",").map((kv) => [kv[0], kv.slice(2)]));
  const nonce = attrs.get("r") ?? "";
  const salt = fromB64(attrs.get("s") ?? "");
  const iterations = Number(attrs.get("i"));
  const clientNonce = clientFirstBare.slice(clientFirstBare.indexOf("r=") + 2);
  if (!nonce.startsWith(clientNonce) || !Number.isInteger(iterations) || iterations < 1) {
    throw new Error("the server's SCRAM challenge is malformed");
  }
  const base = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, [
    "deriveBits",
  ]);
  const salted = new Uint8Array(
    await crypto.subtle.deriveBits(
      { name: "PBKDF2", hash: "SHA-256", salt, iterations },
      base,
      256,
    ),
  );
  const clientKey = await hmac(salted, "Client Key");
  const storedKey = new Uint8Array(await crypto.subtle.digest("SHA-256", clientKey));
  const withoutProof = `c=biws,r=${nonce}`;
  const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
  const signature = await hmac(storedKey, authMessage);
  const proof = clientKey.map((b, i) => b ^ signature[i]);
  const serverSignature = await hmac(await hmac(salted, "Server Key"), authMessage);
  return { final: `${withoutProof},p=${toB64(proof)}`, expected: `v=${toB64(serverSignature)}` };
}

/** RFC 1321 MD5, hex; PostgreSQL's md5 authentication needs it and Web Crypto lacks it. */
export function md5Hex(input: Uint8Array): string {
  const words = new Uint32Array((((input.length + 8) >>> 6) + 1) * 16);
  for (let i = 0; i < input.length; i++) words[i >> 2] |= input[i] << ((i % 4) * 8);
  words[input.length >> 2] |= 0x80 << ((input.length % 4) * 8);
  words[words.length - 2] = input.length * 8;
  words[words.length - 1] = Math.floor(input.length / 0x20000000);
  const shifts = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
  const k = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32));
  let [a0, b0, c0, d0] = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
  for (let block = 0; block < words.length; block += 16) {
    let [a, b, c, d] = [a0, b0, c0, d0];
    for (let i = 0; i < 64; i++) {
      const round = i >> 4;
      let f: number, g: number;
      if (round === 0) [f, g] = [(b & c) | (~b & d), i];
      else if (round === 1) [f, g] = [(d & b) | (~d & c), (5 * i + 1) % 16];
      else if (round === 2) [f, g] = [b ^ c ^ d, (3 * i + 5) % 16];
      else [f, g] = [c ^ (b | ~d), (7 * i) % 16];
      const s = shifts[round * 4 + (i % 4)];
      const sum = (a + f + k[i] + words[block + g]) | 0;
      [a, d, c] = [d, c, b];
      b = (b + ((sum << s) | (sum >>> (32 - s)))) | 0;
    }
    [a0, b0, c0, d0] = [(a0 + a) | 0, (b0 + b) | 0, (c0 + c) | 0, (d0 + d) | 0];
  }
  return [a0, b0, c0, d0].map((w) =>
    Array.from({ length: 4 }, (_, i) => ((w >>> (i * 8)) & 0xff).toString(16).padStart(2, "0"))
      .join("")
  ).join("");
}

// ── the connection ─────────────────────────────────────────────────────────

export class PgConnection {
  #conn: Deno.Conn;
  #buffer: Uint8Array = new Uint8Array(0);
  #queue: Promise<unknown> = Promise.resolve();
  #broken: Error | undefined;

  private constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  get broken(): boolean {
    return this.#broken !== undefined;
  }

  static async connect(options: PgOptions): Promise<PgConnection> {
    let conn: Deno.Conn = await Deno.connect({ hostname: options.hostname, port: options.port });
    try {
      const mode = options.sslmode ?? "disable";
      if (mode !== "disable") {
        await conn.write(message("", 80877103));
        const answer = new Uint8Array(1);
        if ((await conn.read(answer)) !== 1) throw new Error("the server closed the connection");
        if (answer[0] === 0x53) {
          conn = await Deno.startTls(conn as Deno.TcpConn, { hostname: options.hostname });
        } else if (mode === "require") {
          throw new Error("the server does not support TLS (sslmode=require)");
        }
      }
      const pg = new PgConnection(conn);
      await pg.#startup(options);
      return pg;
    } catch (e) {
      try {
        conn.close();
      } catch { /* already closed */ }
      throw e;
    }
  }

  close(): void {
    if (this.#broken) return;
    this.#broken = new Error("the connection is closed");
    try {
      this.#conn.write(message("X")).catch(() => {}).finally(() => this.#conn.close());
    } catch { /* already closed */ }
  }

  /** One statement with `$n` text parameters; runs after earlier queries finish. */
  query(sql: string, params: readonly (string | null)[] = []): Promise<PgResult> {
    const run = this.#queue.then(() => this.#query(sql, params));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #startup(options: PgOptions): Promise<void> {
    await this.#write(message(
      "",
      196608,
      "user",
      options.user,
      "database",
      options.database,
      "client_encoding",
      "UTF8",
      "application_name",
      "clockwork",
      encoder.encode("\0"),
    ));
    let scram: { bare: string; expected?: string } | undefined;
    for (;;) {
      const { type, body } = await this.#read();
      const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
      if (type === "E") throw new PgError(parseFields(body));
      if (type === "Z") return;
      if (type !== "R") continue; // ParameterStatus, BackendKeyData, notices
      const kind = view.getInt32(0);
      const password = () => {
        if (options.password === undefined) {
          throw new Error("the server asks for a password and the url has none");
        }
        return options.password;
      };
      if (kind === 0) continue;
      if (kind === 3) {
        await this.#write(message("p", password()));
      } else if (kind === 5) {
        const inner = md5Hex(encoder.encode(password() + options.user));
        const outer = md5Hex(concat(encoder.encode(inner), body.subarray(4, 8)));
        await this.#write(message("p", `md5${outer}`));
      } else if (kind === 10) {
        const mechanisms = decoder.decode(body.subarray(4)).split("\0");
        if (!mechanisms.includes("SCRAM-SHA-256")) {
          throw new Error(`the server offers only ${mechanisms.filter(Boolean).join(", ")}`);
        }
        password();
        const nonce = toB64(crypto.getRandomValues(new Uint8Array(18)));
        scram = { bare: `n=,r=${nonce}` };
        const first = encoder.encode(`n,,${scram.bare}`);
        await this.#write(message("p", "SCRAM-SHA-256", first.length, first));
      } else if (kind === 11 && scram) {
        const proof = await scramProof(password(), scram.bare, decoder.decode(body.subarray(4)));
        scram.expected = proof.expected;
        await this.#write(message("p", encoder.encode(proof.final)));
      } else if (kind === 12 && scram?.expected) {
        if (decoder.decode(body.subarray(4)) !== scram.expected) {
          throw new Error("the server's SCRAM signature is wrong; refusing to talk to it");
        }
      } else {
        throw new Error(`unsupported authentication request ${kind}`);
      }
    }
  }

  async #query(sql: string, params: readonly (string | null)[]): Promise<PgResult> {
    if (this.#broken) throw this.#broken;
    const values = params.map((p) => {
      if (p === null) return int32(-1);
      const bytes = encoder.encode(p);
      return concat(int32(bytes.length), bytes);
    });
    await this.#write(concat(
      message("P", "", sql, int16(0)),
      message("B", "", "", int16(0), int16(params.length), ...values, int16(0)),
      message("E", "", 0),
      message("S"),
    ));
    const rows: (string | null)[][] = [];
    let command = "";
    let error: PgError | undefined;
    for (;;) {
      const { type, body } = await this.#read();
      if (type === "D") rows.push(parseRow(body));
      else if (type === "C") command = decoder.decode(body.subarray(0, body.length - 1));
      else if (type === "E") error = new PgError(parseFields(body));
      else if (type === "Z") break;
    }
    if (error) throw error;
    return { rows, command };
  }

  async #write(bytes: Uint8Array): Promise<void> {
    try {
      let written = 0;
      while (written < bytes.length) written += await this.#conn.write(bytes.subarray(written));
    } catch (e) {
      this.#broken = e as Error;
      throw e;
    }
  }

  /** Reads until `size` bytes are buffered; chunks are joined once, not per read. */
  async #fill(size: number): Promise<void> {
    if (this.#buffer.length >= size) return;
    const chunks = [this.#buffer];
    let buffered = this.#buffer.length;
    while (buffered < size) {
      const chunk = new Uint8Array(Math.min(Math.max(size - buffered, 16384), 1 << 20));
      let n: number | null;
      try {
        n = await this.#conn.read(chunk);
      } catch (e) {
        this.#broken = e as Error;
        throw e;
      }
      if (n === null) {
        this.#broken = new Error("the server closed the connection");
        throw this.#broken;
      }
      chunks.push(chunk.subarray(0, n));
      buffered += n;
    }
    this.#buffer = concat(...chunks);
  }

  async #read(): Promise<{ type: string; body: Uint8Array }> {
    await this.#fill(5);
    const length = new DataView(this.#buffer.buffer, this.#buffer.byteOffset + 1, 4).getInt32(0);
    await this.#fill(1 + length);
    const type = String.fromCharCode(this.#buffer[0]);
    const body = this.#buffer.slice(5, 1 + length);
    this.#buffer = this.#buffer.subarray(1 + length);
    return { type, body };
  }
}

function int32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, n);
  return b;
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function parseFields(body: Uint8Array): Record<string, string> {
  const fields: Record<string, string> = {};
  let at = 0;
  while (at < body.length && body[at] !== 0) {
    const end = body.indexOf(0, at + 1);
    fields[String.fromCharCode(body[at])] = decoder.decode(body.subarray(at + 1, end));
    at = end + 1;
  }
  return fields;
}

function parseRow(body: Uint8Array): (string | null)[] {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const count = view.getInt16(0);
  const row: (string | null)[] = [];
  let at = 2;
  for (let i = 0; i < count; i++) {
    const length = view.getInt32(at);
    at += 4;
    if (length < 0) {
      row.push(null);
    } else {
      row.push(decoder.decode(body.subarray(at, at + length)));
      at += length;
    }
  }
  return row;
}
