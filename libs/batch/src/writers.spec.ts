import type { PredictionSpec } from '@aviary/features';
import { csvField, outputWriter } from './writers';

const classifier: PredictionSpec = {
  task: 'binary',
  classes: ['on-time', 'late'],
  labelOutput: 'label',
  probabilityOutput: 'p',
};
const prediction = { label: 'late', probability: 0.75, probabilities: { 'on-time': 0.25, late: 0.75 } };

describe('output writers', () => {
  it('writes JSON Lines with the row number, the kept columns and the whole prediction', () => {
    const writer = outputWriter('jsonl', ['origin', 'id'], classifier);
    expect(writer.header).toBe('');
    expect(JSON.parse(writer.line(7, { origin: 'SEA', distance: 3 }, prediction))).toEqual({
      row: 7,
      origin: 'SEA',
      id: null,
      prediction,
    });
  });

  it('writes CSV with a header and the prediction flattened to label and probability', () => {
    const writer = outputWriter('csv', ['origin'], classifier);
    expect(writer.header).toBe('row,origin,label,probability\n');
    expect(writer.line(7, { origin: 'S,F' }, prediction)).toBe('7,"S,F",late,0.75\n');
  });

  it('quotes CSV fields only when they need it', () => {
    expect([csvField('a"b'), csvField(null), csvField(1.5), csvField('x\ny')]).toEqual(['"a""b"', '', '1.5', '"x\ny"']);
  });
});
