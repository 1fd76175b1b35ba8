export type WorkloadId = 'W1' | 'W2' | 'W3' | 'W4' | 'W4f512' | 'W4f1024' | 'W5' | 'W7' | 'W8' | 'W9' | 'W10';

/** One prepared workload of one system: `run(n)` does n iterations; `check()` reads results. */
export interface Runner {
  /** Runs n iterations; may return its own measured milliseconds (out-of-process peers). */
  // biome-ignore lint/suspicious/noConfusingVoidType: in-process runners return nothing (void), out-of-process peers their own ms
  run(iters: number): void | number | Promise<void | number>;
  check(): Record<string, number> | Promise<Record<string, number>>;
  dispose?(): void;
  /**
   * A system far slower than the others on this workload: its rounds run one iteration each, and
   * fewer of them; under --quick it is not timed at all (the value says why).
   */
  slow?: string;
}

/** A workload a system cannot run: reported as unsupported, with the reason (not left out). */
export interface Unsupported {
  unsupported: string;
}

export interface System {
  system: string;
  backend: string;
  threads: number;
  workloads: Partial<Record<WorkloadId, () => Runner | Unsupported | Promise<Runner | Unsupported>>>;
  /** Called once before any workload is made (may set `threads`). */
  start?(): Promise<void>;
  close?(): void;
}
