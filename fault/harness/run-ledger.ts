// The run ledger: every webhook a scenario sent, what it was answered, and what became of each accepted run.
import { randomBytes } from "node:crypto";
import { loadavg } from "node:os";
import { type Kysely, sql } from "kysely";
import type { Database } from "../../platform/postgres/schema.ts";
import type { SweepRequest } from "./requests.ts";
import { sleep } from "./wait.ts";
import { getJson, sendWebhook } from "./webhook-client.ts";

/** The two ways the stack runs: PGlite and in-memory stand-ins, or real Postgres and Redis. */
export type ModeName = "embedded" | "server";

/** A run's final state as GET /runs/:id (and /results for the row count) shows it. */
export interface ApiState {
  /** A RunView status, or `missing` when the api answered 404: the run was never recorded. */
  readonly status: string;
  readonly error: string | null;
  readonly errorCode: string | null;
  readonly combinations: number | null;
  readonly progressDone: number | null;
  /** `total` of GET /runs/:id/results: the run's rowsRecorded. */
  rowsRecorded: number | null;
}

/** The same run read straight from the database, after the fact. */
export interface DbState {
  /** null: no row in `runs`. */
  readonly status: string | null;
  readonly combinations: number | null;
  readonly rowsRecorded: number | null;
  readonly error: string | null;
  /** count(*) and count(distinct combo_index) of its rows in `results`. */
  readonly rows: number;
  readonly distinctRows: number;
  /** When rows are not all there: the first combo indices with no row, and rows past the end. */
  readonly missingComboIndices?: readonly number[];
  readonly outOfRangeComboIndices?: readonly number[];
}

/** One webhook and its fate. */
export interface LedgerEntry {
  readonly n: number;
  readonly webhookId: string;
  /** When in the scenario it was sent: before, during or after the fault. */
  readonly phase: string;
  readonly sentAt: string;
  /** Rows a success must store: the request's combinations, counted by the test. */
  readonly expectedRows: number;
  readonly http: number;
  readonly httpMs: number;
  /** The error code of a refusal, or why nothing answered. */
  readonly refusal?: string;
  /** The body of a refusal, as the client got it. */
  readonly refusalBody?: unknown;
  readonly runId?: string;
  api?: ApiState;
  db?: DbState;
}

/** What the lead quotes: counts over the scenario's webhooks, runs and rows. */
export interface LedgerFigures {
  readonly scenario: string;
  readonly mode: ModeName;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly webhooks: {
    readonly sent: number;
    readonly accepted: number;
    /** Refusals by HTTP status. */
    readonly refused: Record<string, number>;
    readonly noAnswer: number;
  };
  readonly runs: {
    readonly accepted: number;
    readonly succeeded: number;
    readonly failed: number;
    readonly cancelled: number;
    readonly rejected: number;
    /** Still queued or running when the scenario stopped waiting. */
    readonly open: number;
    /** Accepted with 202, but the api has never heard of them: lost. */
    readonly missing: number;
    readonly failedReasons: readonly {
      runId: string;
      errorCode: string | null;
      error: string | null;
    }[];
  };
  readonly rows: {
    readonly expected: number;
    /** Sum of the api's rowsRecorded. */
    readonly recorded: number;
    /** Rows in `results`, and distinct combo indices among them; null before the audit. */
    readonly stored: number | null;
    readonly distinct: number | null;
    readonly duplicated: number | null;
  };
  /** Runs whose status in the database differs from the api's. */
  readonly statusMismatches: number | null;
  readonly notes: Record<string, unknown>;
  readonly entries: readonly LedgerEntry[];
}

const FINAL = new Set(["succeeded", "failed", "cancelled", "rejected"]);

function num(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function str(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

/** The stack a ledger talks to: where, and with which secret. */
export interface StackAddress {
  readonly url: string;
  readonly secret: string;
}

/**
 * Records a scenario's traffic and its outcome. `send` posts a webhook with a distinct id,
 * `settle` follows every accepted run through the api until it is final (or nothing moves),
 * `audit` reads the same runs straight from the database, and `figures` sums it all up.
 */
export class RunLedger {
  readonly #entries: LedgerEntry[] = [];
  readonly #notes: Record<string, unknown> = {};
  readonly #started = Date.now();
  readonly #tag = randomBytes(3).toString("hex");
  #audited = false;

  constructor(
    readonly scenario: string,
    readonly mode: ModeName,
  ) {
    // Other work on the machine stretches every timing; the load says how much.
    this.note(
      "load average at start",
      loadavg().map((l) => Number(l.toFixed(2))),
    );
  }

  /** A webhook id no other scenario, mode or suite run uses. */
  nextWebhookId(): string {
    return `msg_${this.scenario}_${this.mode}_${this.#tag}_${this.#entries.length + 1}`;
  }

  /** Sends `request` as JSON. */
  send(stack: StackAddress, request: SweepRequest, phase: string): Promise<LedgerEntry> {
    return this.sendRaw(stack, JSON.stringify(request.body), request.combinations, phase);
  }

  /** Sends `raw` byte for byte (bodies with JSON escapes that JSON.stringify would not write). */
  async sendRaw(
    stack: StackAddress,
    raw: string,
    expectedRows: number,
    phase: string,
    webhookId = this.nextWebhookId(),
  ): Promise<LedgerEntry> {
    const sentAt = new Date().toISOString();
    const answer = await sendWebhook(stack.url, stack.secret, raw, webhookId);
    const body = (answer.body ?? {}) as { runId?: unknown; error?: { code?: unknown } };
    const entry: LedgerEntry = {
      n: this.#entries.length + 1,
      webhookId,
      phase,
      sentAt,
      expectedRows,
      http: answer.status,
      httpMs: answer.ms,
      refusal:
        answer.status === 202
          ? undefined
          : (answer.error ?? (str(body.error?.code) || `http ${answer.status}`)),
      refusalBody: answer.status === 202 ? undefined : answer.body,
      runId: answer.status === 202 ? (str(body.runId) ?? undefined) : undefined,
    };
    this.#entries.push(entry);
    return entry;
  }

  /** A figure of the scenario's own (exit time, orphans, latencies). */
  note(key: string, value: unknown): void {
    this.#notes[key] = value;
  }

  get entries(): readonly LedgerEntry[] {
    return this.#entries;
  }

  /** Entries answered 202 with a run id. */
  accepted(): LedgerEntry[] {
    return this.#entries.filter((e) => e.http === 202 && e.runId);
  }

  /** Reads one run from the api into its entry; keeps the last state when the api is down. */
  async poll(url: string, entry: LedgerEntry): Promise<ApiState | undefined> {
    const { status, body } = await getJson(url, `/runs/${entry.runId}`);
    if (status === 404) {
      entry.api = {
        status: "missing",
        error: null,
        errorCode: null,
        combinations: null,
        progressDone: null,
        rowsRecorded: null,
      };
    } else if (status === 200 && body) {
      const progress = body.progress as { done?: unknown } | undefined;
      entry.api = {
        status: String(body.status),
        error: str(body.error),
        errorCode: str(body.errorCode),
        combinations: num(body.combinations),
        progressDone: num(progress?.done),
        rowsRecorded: null,
      };
    }
    return entry.api;
  }

  /**
   * Follows every accepted run until all are final. Gives up at `timeoutMs`, or earlier when
   * no open run has changed status or progress for `stallMs`: a lost run never moves, and
   * waiting the whole budget for it would only make the suite slower; and at once when
   * `alive` says the stack has exited. Then reads each final
   * run's rowsRecorded. Records how it ended as a note.
   */
  async settle(
    url: string,
    {
      timeoutMs = 180_000,
      stallMs = 45_000,
      alive = () => true,
    }: { timeoutMs?: number; stallMs?: number; alive?: () => boolean } = {},
  ): Promise<void> {
    const started = Date.now();
    let lastSignature = "";
    let lastChange = started;
    let outcome = "all final";
    for (;;) {
      const open = this.accepted().filter((e) => !FINAL.has(e.api?.status ?? ""));
      if (open.length === 0) break;
      if (!alive()) {
        outcome = "the stack exited: nobody left to ask";
        break;
      }
      const parts: string[] = [];
      for (const entry of open) {
        const state = await this.poll(url, entry);
        parts.push(`${entry.runId}:${state?.status}:${state?.progressDone}`);
      }
      const signature = parts.join("|");
      if (signature !== lastSignature) {
        lastSignature = signature;
        lastChange = Date.now();
      }
      if (Date.now() - started >= timeoutMs) {
        outcome = `deadline of ${timeoutMs} ms`;
        break;
      }
      if (Date.now() - lastChange >= stallMs) {
        outcome = `stalled: nothing moved for ${stallMs} ms`;
        break;
      }
      await sleep(500);
    }
    for (const entry of this.accepted()) {
      if (!entry.api || !FINAL.has(entry.api.status)) continue;
      const { body } = await getJson(url, `/runs/${entry.runId}/results?limit=1`);
      entry.api.rowsRecorded = num(body?.total);
    }
    this.note("settle", { outcome, ms: Date.now() - started });
  }

  /** Reads every accepted run and its rows straight from the database. */
  async audit(db: Kysely<Database>): Promise<void> {
    for (const entry of this.accepted()) {
      const run = await sql<{
        status: string;
        combinations: number;
        rows_recorded: number;
        error: string | null;
      }>`select status, combinations, rows_recorded, error from runs where run_id = ${entry.runId}`.execute(
        db,
      );
      const counts = await sql<{ rows: number; distinct_rows: number }>`
        select count(*)::int as rows, count(distinct combo_index)::int as distinct_rows
        from results where run_id = ${entry.runId}`.execute(db);
      const row = run.rows[0];
      const rows = Number(counts.rows[0]?.rows ?? 0);
      const combinations = row ? Number(row.combinations) : null;
      entry.db = {
        status: row?.status ?? null,
        combinations,
        rowsRecorded: row ? Number(row.rows_recorded) : null,
        error: row?.error ?? null,
        rows,
        distinctRows: Number(counts.rows[0]?.distinct_rows ?? 0),
        ...(combinations !== null && rows > 0 && rows !== combinations
          ? await this.#strayIndices(db, entry.runId!, combinations)
          : {}),
      };
    }
    this.#audited = true;
  }

  /** Which combo indices a partly stored run lacks, or holds past its end (20 of each at most). */
  async #strayIndices(db: Kysely<Database>, runId: string, combinations: number) {
    const missing = await sql<{ i: number }>`
      select i from generate_series(0, ${combinations - 1}::int) as i
      where not exists (select 1 from results r where r.run_id = ${runId} and r.combo_index = i)
      order by i limit 20`.execute(db);
    const beyond = await sql<{ i: number }>`
      select combo_index as i from results
      where run_id = ${runId} and (combo_index < 0 or combo_index >= ${combinations}::int)
      order by combo_index limit 20`.execute(db);
    return {
      missingComboIndices: missing.rows.map((r) => Number(r.i)),
      outOfRangeComboIndices: beyond.rows.map((r) => Number(r.i)),
    };
  }

  /**
   * Why each of `entries` (default: every accepted run) is not a success with every row
   * stored exactly once; empty when all are. Checks the api and, once audited, the database.
   */
  successProblems(entries: readonly LedgerEntry[] = this.accepted()): string[] {
    const problems: string[] = [];
    for (const e of entries) {
      const who = `${e.runId} (${e.phase}, webhook ${e.n})`;
      const api = e.api;
      if (api?.status !== "succeeded") {
        problems.push(
          `${who}: ${api?.status ?? "never read"}${api?.error ? ` (${api.error})` : ""}`,
        );
        continue;
      }
      if (api.combinations !== e.expectedRows)
        problems.push(`${who}: api combinations ${api.combinations}, expected ${e.expectedRows}`);
      if (api.rowsRecorded !== e.expectedRows)
        problems.push(`${who}: api rowsRecorded ${api.rowsRecorded}, expected ${e.expectedRows}`);
      const db = e.db;
      if (!this.#audited) continue;
      if (db?.status !== "succeeded") {
        problems.push(`${who}: database status ${db?.status ?? "no row"}`);
        continue;
      }
      // results' primary key (run, combination) makes every stored row distinct.
      if (db.rows !== e.expectedRows || db.rowsRecorded !== e.expectedRows)
        problems.push(
          `${who}: database holds ${db.rows} rows (${db.distinctRows} distinct, rows_recorded ${db.rowsRecorded}), expected ${e.expectedRows} once each; missing combo indices ${JSON.stringify(db.missingComboIndices ?? [])}, out of range ${JSON.stringify(db.outOfRangeComboIndices ?? [])}`,
        );
    }
    return problems;
  }

  /** The sums the report prints. */
  figures(): LedgerFigures {
    const accepted = this.accepted();
    const refused: Record<string, number> = {};
    for (const e of this.#entries) {
      if (e.http !== 202 && e.http !== 0) refused[e.http] = (refused[e.http] ?? 0) + 1;
    }
    const status = (s: string) => accepted.filter((e) => e.api?.status === s).length;
    const sum = (values: (number | null | undefined)[]) =>
      values.reduce<number>((total, v) => total + (v ?? 0), 0);
    const stored = this.#audited ? sum(accepted.map((e) => e.db?.rows)) : null;
    const distinct = this.#audited ? sum(accepted.map((e) => e.db?.distinctRows)) : null;
    return {
      scenario: this.scenario,
      mode: this.mode,
      finishedAt: new Date().toISOString(),
      durationMs: Date.now() - this.#started,
      webhooks: {
        sent: this.#entries.length,
        accepted: accepted.length,
        refused,
        noAnswer: this.#entries.filter((e) => e.http === 0).length,
      },
      runs: {
        accepted: accepted.length,
        succeeded: status("succeeded"),
        failed: status("failed"),
        cancelled: status("cancelled"),
        rejected: status("rejected"),
        open: accepted.filter((e) => !e.api || ["queued", "running"].includes(e.api.status)).length,
        missing: status("missing"),
        failedReasons: accepted
          .filter((e) => e.api?.status === "failed")
          .map((e) => ({ runId: e.runId!, errorCode: e.api!.errorCode, error: e.api!.error })),
      },
      rows: {
        expected: sum(accepted.map((e) => e.expectedRows)),
        recorded: sum(accepted.map((e) => e.api?.rowsRecorded)),
        stored,
        distinct,
        duplicated: stored === null || distinct === null ? null : stored - distinct,
      },
      statusMismatches: this.#audited
        ? accepted.filter((e) => (e.db?.status ?? "missing") !== e.api?.status).length
        : null,
      notes: { ...this.#notes, "load average at end": loadavg().map((l) => Number(l.toFixed(2))) },
      entries: this.#entries.map((e) => ({ ...e })),
    };
  }
}
