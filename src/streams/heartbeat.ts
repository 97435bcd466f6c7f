/** A timer that calls `onIdle` whenever nothing was written for `ms`. */
export interface Heartbeat {
  /** Records a write; cheap enough to call for every event. */
  touch(): void;
  stop(): void;
}

/** Starts a heartbeat. One timer per stream, re-armed lazily, so a write costs a clock read rather than a timer. */
export function heartbeat(ms: number, onIdle: () => void): Heartbeat {
  let last = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (delay: number) => {
    timer = setTimeout(() => {
      const idle = Date.now() - last;
      if (idle >= ms) {
        onIdle();
        last = Date.now();
        arm(ms);
      } else {
        arm(ms - idle);
      }
    }, delay);
  };
  arm(ms);
  return {
    touch: () => {
      last = Date.now();
    },
    stop: () => timer !== undefined && clearTimeout(timer),
  };
}
