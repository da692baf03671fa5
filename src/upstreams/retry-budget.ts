export interface RetryBudgetOptions {
  /** Retries may add at most this share of the calls (percent). */
  percent: number;
  /** Retries always allowed per second, so a quiet upstream can still be retried. */
  minPerSecond: number;
  now?: () => number;
}

/**
 * Bounds retries per upstream (Finagle's RetryBudget): every call deposits `percent`/100 of a
 * retry, every second adds `minPerSecond`, and a retry spends one. When an upstream fails
 * everything, retries stop multiplying the load at ~`percent`% instead of `retries`× the calls.
 */
export class RetryBudget {
  /** In hundredths of a retry, so deposits of `percent` add up exactly. */
  private balance: number;
  private at: number;
  private readonly now: () => number;
  private readonly cap: number;

  constructor(private readonly options: RetryBudgetOptions) {
    this.now = options.now ?? Date.now;
    this.at = this.now();
    // A burst of retries is allowed up to one second's minimum plus a hundred calls' deposits.
    this.cap = Math.max(100, (options.minPerSecond + options.percent) * 100);
    this.balance = this.cap;
  }

  /** Counts a first attempt. */
  deposit(): void {
    this.refill();
    this.balance = Math.min(this.cap, this.balance + this.options.percent);
  }

  /** Claims one retry; false when the budget is spent. */
  tryWithdraw(): boolean {
    this.refill();
    if (this.balance < 100) return false;
    this.balance -= 100;
    return true;
  }

  private refill(): void {
    const now = this.now();
    const seconds = (now - this.at) / 1000;
    this.at = now;
    if (seconds > 0) this.balance = Math.min(this.cap, this.balance + seconds * this.options.minPerSecond * 100);
  }
}
