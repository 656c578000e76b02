import { medianRoundIndex, perRoundRatios, spread } from './rounds';

describe('spread', () => {
  it('gives the middle value and the range of an odd number of rounds, whatever their order', () => {
    expect(spread([9000, 7000, 8000])).toEqual({ median: 8000, min: 7000, max: 9000 });
  });

  it('takes the mean of the two middle values for an even number of rounds', () => {
    expect(spread([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4 });
  });

  it('is undefined when no round has the figure', () => {
    expect(spread([])).toBeUndefined();
  });
});

describe('perRoundRatios', () => {
  it('divides round by round, leaving out rounds that lack either side', () => {
    expect(perRoundRatios([12, 10, undefined, 8], [10, 0, 5, 4])).toEqual([1.2, undefined, undefined, 2]);
  });
});

describe('medianRoundIndex', () => {
  it('names the round holding the median value', () => {
    expect(medianRoundIndex([9000, 7000, 8000])).toBe(2);
  });

  it('takes the lower middle round for an even count', () => {
    expect(medianRoundIndex([40, 10, 30, 20])).toBe(3);
  });
});
