import { applyFault, parseFaultInjection } from './fault-injection';

describe('parseFaultInjection', () => {
  it('injects nothing when unset', () => {
    expect(parseFaultInjection('').size).toBe(0);
  });

  it('reads several entries, separated by ";" or ",", with their options', () => {
    const plan = parseFaultInjection(
      'flight-delay:2:errors=0.3,latencyMs=50; penguin-species:1:errors=1,code=INTERNAL,car-mpg:1:latencyMs=5',
    );
    expect(Object.fromEntries(plan)).toEqual({
      'flight-delay.2': { errors: 0.3, code: 'UNAVAILABLE', latencyMs: 50 },
      'penguin-species.1': { errors: 1, code: 'INTERNAL', latencyMs: 0 },
      'car-mpg.1': { errors: 0, code: 'UNAVAILABLE', latencyMs: 5 },
    });
  });

  it('lists every problem at once, saying what was expected', () => {
    const bad = () =>
      parseFaultInjection(
        'flight-delay:2:errors=1.5,latencyMs=-1;Bad Name:1:errors=0.1;m:1:colour=red;m:1:errors=0.1;latencyMs=3',
      );
    expect(bad).toThrow(/flight-delay\.2 errors=1\.5: errors must be 0 to 1/);
    expect(bad).toThrow(/latencyMs=-1: latencyMs must be a whole number of ms/);
    expect(bad).toThrow(/"Bad Name:1": model names are/);
    expect(bad).toThrow(/m\.1 colour=red: unknown option "colour"/);
    expect(bad).toThrow(/m\.1 is named twice/);
    expect(bad).toThrow(/expected MODEL:VERSION:errors=0\.3,latencyMs=50/);
  });

  it('refuses an entry without a fault, an option twice, a bad code and a token outside any entry', () => {
    expect(() => parseFaultInjection('m:1:code=INTERNAL')).toThrow(/m\.1 names no fault/);
    expect(() => parseFaultInjection('m:1:errors=0.1,errors=0.2')).toThrow(/errors is given twice/);
    expect(() => parseFaultInjection('m:1:errors=0.1,code=ABORTED')).toThrow(/code must be UNAVAILABLE or INTERNAL/);
    expect(() => parseFaultInjection('errors=0.1')).toThrow(/"errors=0\.1" comes before any MODEL:VERSION:/);
    expect(() => parseFaultInjection('m:1')).toThrow(/"m:1" is not MODEL:VERSION:OPTION=VALUE/);
    expect(() => parseFaultInjection('m:1:errors=')).toThrow(/errors must be 0 to 1/);
  });
});

describe('applyFault', () => {
  const fault = { errors: 0.5, code: 'INTERNAL' as const, latencyMs: 0 };

  it('fails the calls whose draw falls in the error share, with the configured code', async () => {
    await expect(applyFault(fault, () => 0.49)).rejects.toMatchObject({ code: 'INTERNAL' });
    await expect(applyFault(fault, () => 0.5)).resolves.toBeUndefined();
  });

  it('answers only once the added latency has passed', async () => {
    jest.useFakeTimers();
    try {
      let settled = false;
      const pending = applyFault({ errors: 0, code: 'UNAVAILABLE', latencyMs: 30 }).then(() => (settled = true));
      await jest.advanceTimersByTimeAsync(29);
      expect(settled).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      await pending;
      expect(settled).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });
});
