/**
 * Active time and lease keeping, with the clock passed in (testable without timers).
 *
 * Active time counts while the tab is visible and the annotator did something (key, pointer,
 * scroll) within the last IDLE_MS; longer gaps count only their first IDLE_MS. The lease is
 * renewed only while the page is visible and the annotator was active recently, so an abandoned
 * tab lets the item go back to the pool.
 */

export const IDLE_MS = 30_000;
export const HEARTBEAT_ACTIVE_WINDOW_MS = 120_000;
const HEARTBEAT_MAX_MS = 60_000;
const HEARTBEAT_MIN_MS = 5_000;

export class ActiveClock {
  private total = 0;
  private cursor: number;
  private lastInput: number;
  private visible: boolean;

  constructor(now: number, visible = true) {
    this.cursor = now;
    this.lastInput = now;
    this.visible = visible;
  }

  /** Start over for a new item; showing it counts as activity. */
  reset(now: number): void {
    this.total = 0;
    this.cursor = now;
    this.lastInput = now;
  }

  /** The annotator did something. */
  input(now: number): void {
    this.advance(now);
    this.lastInput = Math.max(this.lastInput, now);
  }

  setVisible(visible: boolean, now: number): void {
    this.advance(now);
    this.visible = visible;
  }

  /** Active milliseconds since the last reset. */
  elapsed(now: number): number {
    this.advance(now);
    return Math.round(this.total);
  }

  get lastInputAt(): number {
    return this.lastInput;
  }

  get isVisible(): boolean {
    return this.visible;
  }

  private advance(now: number): void {
    if (now <= this.cursor) return;
    if (this.visible) {
      const end = Math.min(now, this.lastInput + IDLE_MS);
      if (end > this.cursor) this.total += end - this.cursor;
    }
    this.cursor = now;
  }
}

/** min(60 s, lease / 3), never below 5 s. */
export function heartbeatIntervalMs(leaseSeconds: number): number {
  const third = (Math.max(0, leaseSeconds) * 1000) / 3;
  return Math.max(HEARTBEAT_MIN_MS, Math.min(HEARTBEAT_MAX_MS, third));
}

export function shouldHeartbeat(now: number, lastInputAt: number, visible: boolean): boolean {
  return visible && now - lastInputAt <= HEARTBEAT_ACTIVE_WINDOW_MS;
}

/** "4:05" for the lease countdown; "0:00" once expired. */
export function formatCountdown(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** Under a minute left on the lease: the countdown turns into a warning (announced once). */
export const LEASE_LOW_MS = 60_000;

export type LeaseLevel = "ok" | "low" | "expired";

export function leaseLevel(leftMs: number): LeaseLevel {
  if (leftMs <= 0) return "expired";
  return leftMs < LEASE_LOW_MS ? "low" : "ok";
}
