// Documents' parts the specs of this library share (test data only; not exported from the library).

/** A step analysis as the e2e tests run it: two 1 s measurements of the candidate's success rate. */
export const SUCCESS_RATE_METRIC = {
  name: 'success-rate',
  provider: 'builtin',
  interval: '1s',
  count: 2,
  successCondition: 'result >= 0.95',
};
