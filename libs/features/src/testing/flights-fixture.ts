// A small flight-delay pipeline and training rows shared by this library's specs.
import type { PipelineDefinition } from '../definition';

export const flightsDefinition: PipelineDefinition = {
  inputs: [
    { name: 'date', type: 'datetime', description: 'scheduled departure, local time' },
    { name: 'distance', type: 'number' },
    { name: 'origin', type: 'string' },
    { name: 'destination', type: 'string', required: false },
  ],
  transforms: [
    { kind: 'numeric', input: 'distance', log1p: true },
    { kind: 'categorical', input: 'origin', topK: 2, minCount: 2 },
    { kind: 'categorical', input: 'destination', missing: 'category' },
    {
      kind: 'datetime',
      input: 'date',
      parts: [
        { part: 'hour', encoding: 'cyclical' },
        { part: 'dayOfWeek', encoding: 'oneHot' },
      ],
    },
  ],
  prediction: {
    task: 'binary',
    classes: ['on-time', 'late'],
    labelOutput: 'label',
    probabilityOutput: 'probabilities',
  },
};

export const flightRows: Record<string, unknown>[] = [
  { date: '2001/01/01 06:00', distance: 100, origin: 'ORD', destination: 'LAX', delay: 3 },
  { date: '2001/01/02 12:00', distance: 1000, origin: 'ORD', destination: 'SFO', delay: 40 },
  { date: '2001/01/03 18:00', distance: 300, origin: 'ATL', destination: 'LAX', delay: -2 },
  { date: '2001/01/04 00:00', distance: 2000, origin: 'ATL', destination: null, delay: 20 },
  { date: '2001/01/05 21:30', distance: 500, origin: 'ORD', delay: 0 },
  { date: '2001/01/06 09:15', distance: 700, origin: 'DEN', destination: 'LAX', delay: 16 },
];

/** Every input optional, so each transform's default for a missing value shows. */
export const imputingDefinition: PipelineDefinition = {
  inputs: [
    { name: 'mass', type: 'number', required: false },
    { name: 'sex', type: 'string', required: false },
    { name: 'member', type: 'bool', required: false },
    { name: 'seen', type: 'datetime', required: false },
  ],
  transforms: [
    { kind: 'numeric', input: 'mass' },
    { kind: 'categorical', input: 'sex', missing: 'mode' },
    { kind: 'bool', input: 'member' },
    {
      kind: 'datetime',
      input: 'seen',
      parts: [
        { part: 'month', encoding: 'oneHot' },
        { part: 'hour', encoding: 'cyclical' },
      ],
    },
  ],
  prediction: flightsDefinition.prediction,
};

export const imputingRows: Record<string, unknown>[] = [
  { mass: 2, sex: 'F', member: true, seen: '2001-03-01' },
  { mass: 4, sex: 'F', member: true, seen: null },
  { mass: 9, sex: 'M', member: false },
];
