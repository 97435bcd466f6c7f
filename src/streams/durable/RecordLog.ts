import { stringifyLine } from "../jsonl";

/** How a stream ended, and the position of its end record. */
export interface End {
  kind: "done" | "error";
  seq: number;
  value: unknown;
}

/** The stream's row: what it is, how it is read, how it ended. */
export interface StreamRow extends Record<string, SqlStorageValue> {
  stream_id: string;
  /** What the job asked to keep (`DurableJob.keep`), as JSON: the column's name predates the difference. */
  input: string;
  state: "running" | "finished";
  keep_ms: number;
  heartbeat_ms: number;
  format: string;
  end_seq: number | null;
  end_kind: "done" | "error" | null;
  end_data: string | null;
  /** Null on a row an older deploy wrote: the defaults apply. */
  max_readers: number | null;
  reader_buffer: number | null;
}

/** What a new stream's row says. */
export interface StreamStart {
  streamId: string;
  keepMs: number;
  heartbeatMs: number;
  format: string;
  keep: unknown;
  maxReaders: number;
  readerBufferBytes: number;
}

// Records are written to SQLite together, one row per batch: a write costs far more than its bytes, so a row per
// record, or per 100 ms, cost several times the plain relay's CPU per token (bench/README.md). A batch is written when
// it is this old or this big, and always before the end record; a restart can lose at most the batch not yet written.
const WRITE_AFTER_MS = 1000;
const WRITE_AFTER_RECORDS = 256;

/**
 * One stream's records in the object's SQLite: the stream's row, and the records numbered from 1, written in batches.
 * Positions and sizes are counted here; the batch not yet written is kept in memory and read with the rest.
 */
export class RecordLog {
  /** The position of the last record, and the bytes of JSON recorded. */
  seq = 0;
  bytes = 0;
  readonly #sql: SqlStorage;
  /** Records not yet written: their JSON, from position `#unwrittenFrom`. */
  #unwritten: string[] = [];
  #unwrittenFrom = 1;
  #writeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  /** The stream's row, or undefined when there is none (never started, cancelled, or expired). */
  row(): StreamRow | undefined {
    // Asked before touching the tables, so probing an unknown id creates no storage.
    const exists = this.#sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'stream'").toArray();
    if (exists.length === 0) return undefined;
    return this.#sql.exec<StreamRow>("SELECT * FROM stream").toArray()[0];
  }

  /** Creates the stream's tables and row, running. */
  create(start: StreamStart): void {
    this.#sql.exec(
      `CREATE TABLE stream (stream_id TEXT, state TEXT, keep_ms INTEGER, heartbeat_ms INTEGER, format TEXT, started_at INTEGER,
        ended_at INTEGER, end_seq INTEGER, end_kind TEXT, end_data TEXT, input TEXT, max_readers INTEGER, reader_buffer INTEGER)`,
    );
    // One row per batch of records: their JSON, one per line (JSON text holds no raw line break).
    this.#sql.exec("CREATE TABLE records (last_seq INTEGER PRIMARY KEY, first_seq INTEGER NOT NULL, data TEXT NOT NULL)");
    this.#sql.exec(
      `INSERT INTO stream (stream_id, state, keep_ms, heartbeat_ms, format, started_at, input, max_readers, reader_buffer)
        VALUES (?, 'running', ?, ?, ?, ?, ?, ?, ?)`,
      start.streamId, start.keepMs, start.heartbeatMs, start.format, Date.now(), stringifyLine(start.keep ?? null),
      start.maxReaders, start.readerBufferBytes,
    );
  }

  /** Takes one record (its JSON and UTF-8 size) into the batch being gathered; returns its position. */
  append(json: string, size: number): number {
    const seq = ++this.seq;
    this.bytes += size;
    if (this.#unwritten.length === 0) {
      this.#unwrittenFrom = seq;
      this.#writeTimer = setTimeout(() => this.flush(), WRITE_AFTER_MS);
    }
    this.#unwritten.push(json);
    if (this.#unwritten.length >= WRITE_AFTER_RECORDS) this.flush();
    return seq;
  }

  /** Writes the records not yet written as one row. */
  flush(): void {
    if (this.#writeTimer !== undefined) clearTimeout(this.#writeTimer);
    if (this.#unwritten.length === 0) return;
    const last = this.#unwrittenFrom + this.#unwritten.length - 1;
    this.#sql.exec("INSERT INTO records (last_seq, first_seq, data) VALUES (?, ?, ?)", last, this.#unwrittenFrom, this.#unwritten.join("\n"));
    this.#unwritten = [];
  }

  /** Every record after `after`, as [seq, JSON]: the rows written, then the batch not yet written. */
  *after(after: number): Iterable<[number, string]> {
    const rows = this.#sql.exec<{ first_seq: number; data: string }>(
      "SELECT first_seq, data FROM records WHERE last_seq > ? ORDER BY last_seq", after,
    );
    for (const row of rows) {
      const lines = row.data.split("\n");
      for (let i = Math.max(0, after - row.first_seq + 1); i < lines.length; i++) yield [row.first_seq + i, lines[i]!];
    }
    for (let i = Math.max(0, after - this.#unwrittenFrom + 1); i < this.#unwritten.length; i++) {
      yield [this.#unwrittenFrom + i, this.#unwritten[i]!];
    }
  }

  /** Records the end, after every record (the batch is written first). */
  end(end: End): void {
    this.flush();
    this.#sql.exec("UPDATE stream SET end_seq = ?, end_kind = ?, end_data = ?", end.seq, end.kind, stringifyLine(end.value));
  }

  /** How the stream ended, or undefined while it has not. */
  endOf(): End | undefined {
    const row = this.#sql.exec<Pick<StreamRow, "end_seq" | "end_kind" | "end_data">>("SELECT end_seq, end_kind, end_data FROM stream").one();
    if (row.end_kind === null) return undefined;
    return { kind: row.end_kind, seq: row.end_seq!, value: JSON.parse(row.end_data!) };
  }

  /** Marks the stream finished: no producer runs it any more. */
  finish(): void {
    this.#sql.exec("UPDATE stream SET state = 'finished', ended_at = ?", Date.now());
  }

  /** After a restart: the position is the last record written; the batch that was not is gone with the memory. */
  recover(): void {
    this.seq = this.#sql.exec<{ n: number | null }>("SELECT max(last_seq) AS n FROM records").one().n ?? 0;
    this.#unwritten = [];
  }

  /**
   * Drops every record after `seq`, written or not: records a writer took in but did not commit (an append whose body
   * failed halfway). Only for records no reader was sent; a row must not straddle `seq` (flush at each commit).
   */
  dropAfter(seq: number): void {
    this.flush();
    this.#sql.exec("DELETE FROM records WHERE first_seq > ?", seq);
    this.seq = seq;
  }

  /** Forgets what is in memory (the storage is deleted by the object). */
  reset(): void {
    if (this.#writeTimer !== undefined) clearTimeout(this.#writeTimer);
    this.seq = 0;
    this.bytes = 0;
    this.#unwritten = [];
  }
}
