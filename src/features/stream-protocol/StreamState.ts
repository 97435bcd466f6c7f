import { contentMode, type ContentMode } from "./contentMode";

/** What a protocol stream is, beside its records: one row, kept in the object's SQLite beside the durable core's log. */
export interface StreamMeta {
  /** A new random id per creation: a stream deleted and made again under its name has other ETags. */
  incarnation: string;
  contentType: string;
  mode: ContentMode;
  /** `Stream-TTL` in seconds, or `Stream-Expires-At` in ms since the epoch, as created (else null). */
  ttl: number | null;
  expiresAt: number | null;
  /** The stream is deleted once unused past this (ms since the epoch): the TTL's window, else STREAM_MAX_IDLE_DAYS. */
  idleUntil: number;
  closed: boolean;
  /** The producer request that closed the stream (`id epoch seq`), so its retry is a duplicate, not a conflict. */
  closedBy: string | null;
  /** The last `Stream-Seq` a writer sent. */
  streamSeq: string | null;
  /** A fork: its source's name and the fork headers it was made with, as given (an idempotent PUT compares them). */
  forkedFrom: string | null;
  forkOffset: string | null;
  forkSubOffset: string | null;
  /** Forks made from this stream and not yet deleted; while any is, deleting it only marks it `deleted` (410). */
  forks: number;
  deleted: boolean;
}

/** A producer's state (PROTOCOL.md 5.2.1): its epoch and the last seq it had accepted in it. */
export interface ProducerState {
  epoch: number;
  seq: number;
}

type Row = Record<string, SqlStorageValue>;

/**
 * A protocol stream's own tables: its row (`StreamMeta`), its idempotent producers, and where each append ended with
 * the stream's size then (a fork's sub-offset counts within one append; the size survives a restart).
 */
export class StreamState {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  /** The stream's row, or undefined when there is none. */
  load(): StreamMeta | undefined {
    const exists = this.#sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'protocol'").toArray();
    if (exists.length === 0) return undefined;
    const row = this.#sql.exec<Row>("SELECT * FROM protocol").toArray()[0];
    if (!row) return undefined;
    return {
      incarnation: row.incarnation as string,
      contentType: row.content_type as string,
      mode: contentMode(row.content_type as string),
      ttl: row.ttl as number | null,
      expiresAt: row.expires_at as number | null,
      idleUntil: row.idle_until as number,
      closed: row.closed === 1,
      closedBy: row.closed_by as string | null,
      streamSeq: row.stream_seq as string | null,
      forkedFrom: row.forked_from as string | null,
      forkOffset: row.fork_offset as string | null,
      forkSubOffset: row.fork_sub_offset as string | null,
      forks: row.forks as number,
      deleted: row.deleted === 1,
    };
  }

  /** Creates the tables and the row. */
  create(meta: StreamMeta): void {
    this.#sql.exec(
      `CREATE TABLE protocol (incarnation TEXT, content_type TEXT, ttl INTEGER, expires_at INTEGER, idle_until INTEGER,
        closed INTEGER, closed_by TEXT, stream_seq TEXT, forked_from TEXT, fork_offset TEXT, fork_sub_offset TEXT,
        forks INTEGER, deleted INTEGER)`,
    );
    this.#sql.exec("CREATE TABLE producers (id TEXT PRIMARY KEY, epoch INTEGER NOT NULL, seq INTEGER NOT NULL)");
    this.#sql.exec("CREATE TABLE appends (end_seq INTEGER PRIMARY KEY, total_bytes INTEGER NOT NULL)");
    this.#sql.exec(
      "INSERT INTO protocol VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      meta.incarnation, meta.contentType, meta.ttl, meta.expiresAt, meta.idleUntil, meta.closed ? 1 : 0, meta.closedBy,
      meta.streamSeq, meta.forkedFrom, meta.forkOffset, meta.forkSubOffset, meta.forks, meta.deleted ? 1 : 0,
    );
  }

  /** Writes the fields that change: closure, the writer's seq, the idle deadline, forks and deletion. */
  save(meta: StreamMeta): void {
    this.#sql.exec(
      "UPDATE protocol SET closed = ?, closed_by = ?, stream_seq = ?, idle_until = ?, forks = ?, deleted = ?",
      meta.closed ? 1 : 0, meta.closedBy, meta.streamSeq, meta.idleUntil, meta.forks, meta.deleted ? 1 : 0,
    );
  }

  producer(id: string): ProducerState | undefined {
    return this.#sql.exec<{ epoch: number; seq: number }>("SELECT epoch, seq FROM producers WHERE id = ?", id).toArray()[0];
  }

  setProducer(id: string, state: ProducerState): void {
    this.#sql.exec("INSERT OR REPLACE INTO producers (id, epoch, seq) VALUES (?, ?, ?)", id, state.epoch, state.seq);
  }

  /** Marks an append's end: its last record and the stream's size after it. */
  appended(endSeq: number, totalBytes: number): void {
    this.#sql.exec("INSERT OR REPLACE INTO appends (end_seq, total_bytes) VALUES (?, ?)", endSeq, totalBytes);
  }

  /** The last committed append's end and the stream's size then: what the stream holds. */
  tail(): { seq: number; bytes: number } {
    const row = this.#sql.exec<{ end_seq: number; total_bytes: number }>("SELECT end_seq, total_bytes FROM appends ORDER BY end_seq DESC LIMIT 1").toArray()[0];
    return row ? { seq: row.end_seq, bytes: row.total_bytes } : { seq: 0, bytes: 0 };
  }

  /** Where the first append after `seq` ends, or undefined when none does. */
  appendAfter(seq: number): number | undefined {
    return this.#sql.exec<{ end_seq: number }>("SELECT end_seq FROM appends WHERE end_seq > ? ORDER BY end_seq LIMIT 1", seq).toArray()[0]?.end_seq;
  }

  /** Every append's end up to `seq`, for a fork that inherits them. */
  appendsUpTo(seq: number): number[] {
    return this.#sql.exec<{ end_seq: number }>("SELECT end_seq FROM appends WHERE end_seq <= ? ORDER BY end_seq", seq).toArray().map((r) => r.end_seq);
  }
}
