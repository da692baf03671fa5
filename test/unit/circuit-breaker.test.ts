import { CircuitBreaker } from '../../src/upstreams/circuit-breaker';

describe('circuit breaker', () => {
  let now = 0;
  const states: string[] = [];
  const breaker = () => new CircuitBreaker({ failureThreshold: 3, resetMs: 1000, now: () => now, onStateChange: (s) => states.push(s) });

  beforeEach(() => {
    now = 0;
    states.length = 0;
  });

  it('opens after the threshold of consecutive faults and refuses calls at once', () => {
    const b = breaker();
    for (let i = 0; i < 3; i++) {
      expect(b.tryAcquire()).toBe(true);
      b.onFailure();
    }
    expect(b.current()).toBe('open');
    expect(b.tryAcquire()).toBe(false);
  });

  it('lets one probe through after the reset time; its success closes, its failure re-opens', () => {
    const b = breaker();
    for (let i = 0; i < 3; i++) b.onFailure();
    now = 1000;
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false);
    b.onFailure();
    expect(b.current()).toBe('open');
    now = 2000;
    expect(b.tryAcquire()).toBe(true);
    b.onSuccess();
    expect(b.current()).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
  });

  it('a success resets the count of consecutive faults', () => {
    const b = breaker();
    b.onFailure();
    b.onFailure();
    b.onSuccess();
    b.onFailure();
    b.onFailure();
    expect(b.current()).toBe('closed');
  });
});
