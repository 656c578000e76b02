// OpenFeature's flagd conformance data (../shared/conformance/flagd-testbed, see its README): the four flag sets and
// the cases of today's profile, with what an OpenFeature client must return for each.
import type { Client, EvaluationContext, JsonValue } from '@openfeature/server-sdk';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceRoot } from '@aviary/supervisor';

export const flagdTestbedDir = () => join(workspaceRoot(), '..', 'shared', 'conformance', 'flagd-testbed');

/** Tags whose expectations contradict today's flagd-core (old or newer fractional bucketing, deprecated defaults). */
export const OUT_OF_PROFILE = ['@fractional-v1', '@fractional-v3', '@deprecated'];

export interface TestbedFlagSet {
  config: object;
  contextValue?: Record<string, unknown>;
}

export interface TestbedCase {
  id: string;
  suite: string;
  flagSet: string;
  flagKey: string;
  type: 'Boolean' | 'String' | 'Integer' | 'Float' | 'Object';
  defaultValue: unknown;
  context: Record<string, unknown>;
  expectedValue?: unknown;
  expectedReason?: string;
  expectedErrorCode?: string | null;
  expectedVariant?: string | null;
  expectedMetadata?: Record<string, unknown> | null;
  expectedMetadataEmpty?: boolean | null;
  tags: string[];
}

/** The parts of an OpenFeature evaluation's details a case speaks about. */
export interface ClientDetails {
  value: unknown;
  variant?: string;
  reason?: string;
  errorCode?: string;
  flagMetadata?: Record<string, unknown>;
}

export function testbedFlagSets(): Record<string, TestbedFlagSet> {
  return JSON.parse(readFileSync(join(flagdTestbedDir(), 'flags.json'), 'utf8')).flagSets;
}

export function profileCases(): TestbedCase[] {
  const cases: TestbedCase[] = JSON.parse(readFileSync(join(flagdTestbedDir(), 'cases.json'), 'utf8'));
  return cases.filter((c) => !c.tags.some((tag) => OUT_OF_PROFILE.includes(tag)));
}

/** The case's context over its set's static context, as flagd's launchpad injects it. */
export function caseContext(c: TestbedCase, sets: Record<string, TestbedFlagSet>): Record<string, unknown> {
  return { ...sets[c.flagSet]?.contextValue, ...c.context };
}

/** The details the case expects, with only the fields it states, for `toMatchObject` or `toEqual`. */
export function expectedDetails(c: TestbedCase): Partial<ClientDetails> {
  return {
    ...('expectedValue' in c && c.expectedValue !== null && { value: c.expectedValue }),
    ...(c.expectedVariant !== undefined && c.expectedVariant !== null && { variant: c.expectedVariant }),
    ...(c.expectedReason !== undefined && { reason: c.expectedReason }),
    ...(c.expectedErrorCode !== undefined && { errorCode: c.expectedErrorCode ?? undefined }),
    ...(c.expectedMetadata && { flagMetadata: c.expectedMetadata }),
    ...(c.expectedMetadataEmpty && { flagMetadata: {} }),
  };
}

/** Picks the fields `expectedDetails` may hold, so a comparison fails on any of them and ignores the rest. */
export function comparableDetails(details: ClientDetails, c: TestbedCase): Partial<ClientDetails> {
  const expected = expectedDetails(c);
  return Object.fromEntries(
    Object.keys(expected).map((field) => [field, details[field as keyof ClientDetails]]),
  ) as Partial<ClientDetails>;
}

/** The case evaluated through an OpenFeature client, with the getter of its type. */
export function clientDetails(client: Client, c: TestbedCase, context: EvaluationContext): Promise<ClientDetails> {
  switch (c.type) {
    case 'Boolean':
      return client.getBooleanDetails(c.flagKey, c.defaultValue as boolean, context);
    case 'String':
      return client.getStringDetails(c.flagKey, c.defaultValue as string, context);
    case 'Integer':
    case 'Float':
      return client.getNumberDetails(c.flagKey, c.defaultValue as number, context);
    case 'Object':
      return client.getObjectDetails(c.flagKey, c.defaultValue as JsonValue, context);
  }
}
