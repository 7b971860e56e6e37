/**
 * Work that one piece of news starts, run one at a time: asked while it runs, it runs once more right after (the run
 * in progress may have read before the news), however many times it was asked. A failure is handed to `failed`
 * and the next ask runs it again.
 */
export class RerunningTask {
  private running?: Promise<void>;
  private askedAgain = false;

  constructor(
    private readonly work: () => Promise<unknown>,
    private readonly failed: (error: unknown) => void,
  ) {}

  /** Runs the work now, or once more after the run in progress. */
  wake(): void {
    if (this.running) {
      this.askedAgain = true;
      return;
    }
    this.running = this.work()
      .then(() => undefined, this.failed)
      .finally(() => {
        this.running = undefined;
        if (this.askedAgain) {
          this.askedAgain = false;
          this.wake();
        }
      });
  }

  /** Resolves when the run in progress (if any) has ended. */
  async settled(): Promise<void> {
    await this.running;
  }
}
