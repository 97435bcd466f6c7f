/** A timer that calls `onIdle` whenever nothing was touched for `ms`: heartbeats, and watchdogs on upstreams. */
export interface IdleTimer {
  /** Records activity; cheap enough to call for every event. */
  touch(): void;
  stop(): void;
}

/** Starts an idle timer. One timer, re-armed lazily, so activity costs a clock read rather than a new timer. */
export function idleTimer(ms: number, onIdle: () => void): IdleTimer {
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
