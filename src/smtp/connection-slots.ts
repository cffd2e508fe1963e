// One connection limit for several threads: counters in shared memory, so `max_connections`
// means the same with SMTP worker threads as without (each smtp-server only sees its own).
// Each thread counts in its own cell, so the cell of a thread that died can be cleared.

const CELLS = 64;

export class ConnectionSlots {
  private readonly cells: Int32Array;
  private readonly index: number;
  private readonly max: number;

  /** `buffer`: from ConnectionSlots.buffer(), the same for every thread; `index`: this thread's cell. */
  constructor(buffer: SharedArrayBuffer, index: number, max: number) {
    this.cells = new Int32Array(buffer);
    this.index = index;
    this.max = max;
  }

  static buffer(): SharedArrayBuffer {
    return new SharedArrayBuffer(CELLS * 4);
  }

  /** Clears the count of a thread that is gone (its connections went with it). */
  static clear(buffer: SharedArrayBuffer, index: number): void {
    Atomics.store(new Int32Array(buffer), index, 0);
  }

  /** Takes a slot; false (and nothing taken) when all are in use. Two threads racing for the
   *  last slot may both be refused, never both let in. */
  take(): boolean {
    Atomics.add(this.cells, this.index, 1);
    let total = 0;
    for (let i = 0; i < CELLS; i++) total += Atomics.load(this.cells, i);
    if (total <= this.max) return true;
    Atomics.sub(this.cells, this.index, 1);
    return false;
  }

  give(): void {
    Atomics.sub(this.cells, this.index, 1);
  }
}
