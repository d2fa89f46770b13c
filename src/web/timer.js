// The manager's one timer. `schedule(at, now)` keeps an already-set timeout that fires
// no later than `at` (it fires early, finds nothing due, and the next deadline is set
// then), so a deadline that slides with every frame costs no clearTimeout/setTimeout
// pair and no new function. `cb` is one long-lived function owned by the manager.
export class Timer {
  constructor(cb) {
    this.cb = cb;
    this.handle = 0;
    this.at = Infinity;
  }

  schedule(at, now) {
    if (this.handle !== 0 && this.at <= at) return;
    this.cancel();
    this.at = at;
    this.handle = setTimeout(() => {
      this.handle = 0;
      this.at = Infinity;
      this.cb();
    }, Math.max(0, Math.ceil(at - now)));
  }

  cancel() {
    if (this.handle !== 0) {
      clearTimeout(this.handle);
      this.handle = 0;
      this.at = Infinity;
    }
  }

  armed() {
    return this.handle !== 0;
  }
}
