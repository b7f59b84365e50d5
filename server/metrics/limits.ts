/**
 * Bounds on metric computations (issue #17, «Nobody can stall it»): one deadline per request,
 * after which its running DuckDB query is interrupted (503 `timeout`), and a per-account limit
 * on computations running at once (the rest wait their turn; past a long queue, 429). The
 * period limits themselves are checked with the parameters (metrics.ts, parseParams).
 */
import { setMaxListeners } from 'node:events';
import { metricComputeMs } from '../db/db.ts';
import { HttpError } from '../http/errors.ts';

/** METRIC_TIMEOUT_SECONDS unless configured. */
export const DEFAULT_METRIC_TIMEOUT_MS = 60_000;
/** Uncached computations of one account running at once; more wait in a queue. */
export const DEFAULT_PER_OWNER = 2;
/** Computations of one account that may wait; past it the request is refused (429). */
export const DEFAULT_QUEUE_PER_OWNER = 100;
/** `Retry-After` of that refusal, seconds. */
export const RETRY_AFTER_SEC = 5;

/** Seconds as a Russian reader writes them: 60, 0,05. */
function seconds(ms: number): string {
  return String(Number((ms / 1000).toFixed(3))).replace('.', ',');
}

export function metricTimeout(ms: number): HttpError {
  return new HttpError(
    503,
    'timeout',
    `Показатель считался дольше ${seconds(ms)} с и был остановлен; сузьте период или фильтры (организации, тип) и повторите запрос.`,
  );
}

/**
 * The deadline passed with the request's queries run for less than half of it: it waited — for
 * its account's turn, for a connection, for an answer another request computes — behind many
 * computations. Not the request's fault (it was told to narrow its period): said, with when to retry.
 */
export function metricsBusy(ms: number, begun = false): HttpError {
  return new HttpError(
    503,
    'busy',
    begun
      ? `Сервер занят: расчёт показателя не закончился за ${seconds(ms)} с, потому что больше ждал очереди, чем считался (сейчас считается много показателей); повторите запрос через минуту.`
      : `Сервер занят: расчёт показателя ждал очереди дольше ${seconds(ms)} с (сейчас считается много показателей) и не начался; повторите запрос через минуту.`,
    BUSY_RETRY_AFTER_SEC,
  );
}

/** `Retry-After` of a request that waited its whole deadline in the queue, seconds. */
export const BUSY_RETRY_AFTER_SEC = 60;

export function tooManyComputations(perOwner: number, queued: number): HttpError {
  return new HttpError(
    429,
    'too_many_requests',
    `Слишком много одновременных расчётов показателей от одной учётной записи: считаются не больше ${perOwner} сразу и ещё ${queued} ждут очереди. Повторите запрос через несколько секунд.`,
  );
}

/**
 * The time a request may spend computing metrics, counted from its start: every query of it
 * (a `grain=month` trend is many, an XLSX workbook is many metrics) runs under one signal, which
 * aborts with the 503 `timeout` error when the time is up.
 */
export class Deadline {
  private readonly controller = new AbortController();

  constructor(readonly ms: number) {
    // Every waiting query and joined answer of the request listens (overview: dozens at once);
    // each removes its listener when it settles, so there is no leak to warn about.
    setMaxListeners(0, this.controller.signal);
    // unref: a pending deadline never keeps the process alive.
    setTimeout(() => {
      // Computing for half of its time or more: the request is too big for it; less: it waited.
      const computed = metricComputeMs(this.controller.signal);
      this.controller.abort(computed >= ms / 2 ? metricTimeout(ms) : metricsBusy(ms, computed > 0));
    }, ms).unref();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** `p`, or the timeout error if the deadline passes first (`p` itself is not stopped by this). */
  race<T>(p: Promise<T>): Promise<T> {
    const signal = this.signal;
    if (signal.aborted) {
      p.catch(() => undefined);
      return Promise.reject(signal.reason);
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      p.then(
        (v) => {
          signal.removeEventListener('abort', onAbort);
          resolve(v);
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      );
    });
  }
}

/**
 * Who is asking, for the per-account limit: all sessions of a user count together
 * (`session:7:ivanova`), each API token apart (`token:3:report-bot`), the demo session by its
 * login (`session:-:демо`). The login is part of the key because ids of users and tokens are
 * separate sequences (a PDF's ephemeral session carries its requester's id and login).
 */
export function principalKey(p: { kind: string; id: number | null; login: string }): string {
  return `${p.kind}:${p.id ?? '-'}:${p.login}`;
}

interface Waiter {
  resolve: () => void;
}

/**
 * At most `perOwner` running computations per owner; the next ones wait first come, first
 * served (until their deadline), and past `maxQueued` waiting ones a request is refused.
 */
export class OwnerSlots {
  private readonly running = new Map<string, number>();
  private readonly queues = new Map<string, Waiter[]>();

  constructor(
    readonly perOwner: number,
    readonly maxQueued: number,
  ) {}

  /**
   * Takes a slot: null when one was free (taken now), else a promise of one that rejects with
   * the deadline's error if it passes first. Throws the 429 error when the queue is full.
   */
  take(owner: string, deadline: Deadline): Promise<void> | null {
    const n = this.running.get(owner) ?? 0;
    if (n < this.perOwner) {
      this.running.set(owner, n + 1);
      return null;
    }
    const queue = this.queues.get(owner) ?? [];
    if (queue.length >= this.maxQueued) throw tooManyComputations(this.perOwner, queue.length);
    this.queues.set(owner, queue);
    const signal = deadline.signal;
    signal.throwIfAborted();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        const i = queue.indexOf(waiter);
        if (i >= 0) queue.splice(i, 1);
        if (queue.length === 0 && this.queues.get(owner) === queue) this.queues.delete(owner);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      queue.push(waiter);
    });
  }

  /** Gives a slot back: to the next waiting computation of the owner, if any. */
  give(owner: string): void {
    const queue = this.queues.get(owner);
    const next = queue?.shift();
    if (queue && queue.length === 0) this.queues.delete(owner);
    if (next) {
      next.resolve(); // the slot passes on: the running count stays
      return;
    }
    const n = (this.running.get(owner) ?? 1) - 1;
    if (n <= 0) this.running.delete(owner);
    else this.running.set(owner, n);
  }

  /** Running and waiting computations of an owner (tests, diagnostics). */
  of(owner: string): { running: number; waiting: number } {
    return { running: this.running.get(owner) ?? 0, waiting: this.queues.get(owner)?.length ?? 0 };
  }
}
