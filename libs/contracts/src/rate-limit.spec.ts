import { RateLimiter } from './rate-limit';

describe('RateLimiter', () => {
  it('lets a burst through, then one request per 1/rate seconds, and says how long to wait', () => {
    const limiter = new RateLimiter(2, 3);
    expect([0, 0, 0].map(() => limiter.take('a', 0))).toEqual([0, 0, 0]);
    expect(limiter.take('a', 0)).toBe(1);
    expect(limiter.take('a', 499)).toBe(1);
    expect(limiter.take('a', 500)).toBe(0);
    expect(limiter.take('a', 500)).toBe(1);
  });

  it('keeps each client’s bucket apart and never refills past the burst', () => {
    const limiter = new RateLimiter(1, 2);
    expect(limiter.take('a', 0)).toBe(0);
    expect(limiter.take('a', 0)).toBe(0);
    expect(limiter.take('a', 0)).toBe(1);
    expect(limiter.take('b', 0)).toBe(0);
    expect([0, 0, 0].map(() => limiter.take('a', 60_000))).toEqual([0, 0, 1]);
  });

  it('answers a wait of whole seconds, at least one, for slow rates too', () => {
    const limiter = new RateLimiter(0.1, 1);
    expect(limiter.take('a', 0)).toBe(0);
    expect(limiter.take('a', 1000)).toBe(9);
  });

  it('forgets the least recently seen clients beyond its bound', () => {
    const limiter = new RateLimiter(1, 1, 2);
    limiter.take('a', 0);
    limiter.take('b', 0);
    limiter.take('c', 0);
    // "a" was forgotten, so it starts from a full bucket again; "c" was not.
    expect(limiter.take('a', 0)).toBe(0);
    expect(limiter.take('c', 0)).toBe(1);
  });
});
