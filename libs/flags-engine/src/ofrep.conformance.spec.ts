// flagd's conformance cases (today's profile) through the path the gateway's OFREP door takes: a set parsed as the
// store parses it, evaluateOfrepFlag, then the answer read as an OpenFeature client reads an OFREP answer.
import {
  caseContext,
  ClientDetails,
  comparableDetails,
  describeWithFixtures,
  expectedDetails,
  flagdTestbedDir,
  profileCases,
  TestbedCase,
  testbedFlagSets,
} from '@aviary/testing';
import { FlagSet } from './flag-set';
import { FlagSetLookup } from './flag-resolution';
import { evaluateOfrepFlag, isOfrepFailure, OfrepEvaluation } from './ofrep';

/** What the OFREP provider and the OpenFeature SDK make of an answer: errors and absent values give the default. */
function asClientSees(answer: OfrepEvaluation, defaultValue: unknown): ClientDetails {
  if (isOfrepFailure(answer)) return { value: defaultValue, reason: 'ERROR', errorCode: answer.errorCode };
  if (answer.value !== undefined && typeof answer.value !== typeof defaultValue)
    return { value: defaultValue, reason: 'ERROR', errorCode: 'TYPE_MISMATCH' };
  return {
    value: answer.value === undefined ? defaultValue : answer.value,
    variant: answer.variant,
    reason: answer.reason,
    flagMetadata: answer.metadata,
  };
}

describeWithFixtures(flagdTestbedDir(), 'flagd testbed, today’s profile, evaluated in-process', () => {
  const sets = testbedFlagSets();
  const parsed = new Map(Object.entries(sets).map(([name, s]) => [name, FlagSet.parse(JSON.stringify(s.config))]));
  const cases = profileCases();
  const lookupOf = (name: string): FlagSetLookup => {
    const set = parsed.get(name);
    return set ? { set } : { missing: `the testbed has no flag set "${name}"` };
  };

  it('holds the 265 cases of the profile', () => {
    expect(cases).toHaveLength(265);
  });

  it.each(cases.map((c): [string, TestbedCase] => [c.id, c]))('%s', (_id, c) => {
    const answer = evaluateOfrepFlag(lookupOf(c.flagSet), c.flagKey, caseContext(c, sets) as never);
    expect(comparableDetails(asClientSees(answer, c.defaultValue), c)).toEqual(expectedDetails(c));
  });
});
