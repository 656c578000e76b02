// OFREP (OpenFeature Remote Evaluation Protocol 0.3.0), answered in-process from the gateway's live flag sets. Errors
// leave in OFREP's own shape, {key, errorCode, errorDetails}, never Aviary's {error}.
import { DEFAULT_FLAG_SET } from '@aviary/contracts';
import {
  bulkEtag,
  bulkFailureOf,
  evaluateOfrepFlag,
  evaluateOfrepFlags,
  isOfrepFailure,
  OfrepErrorCode,
  ofrepContextOf,
  OfrepEvaluation,
  OfrepFailure,
  StoredFlagSetLookup,
} from '@aviary/flags-engine';
import { Body, Controller, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { FastifyReply } from 'fastify';
import { countOfrepAnswer } from '../flag-metrics';
import { GatewayFlagSets } from '../gateway-flag-sets';

export const OFREP_PATH = 'ofrep/v1/evaluate/flags';
export const FLAG_SET_HEADER = 'aviary-flag-set';
const FLAG_SET_NAME = /^[A-Za-z0-9_-]+$/;

@Controller(OFREP_PATH)
export class OfrepController {
  constructor(private readonly flagSets: GatewayFlagSets) {}

  @Post(':key')
  @HttpCode(200)
  evaluate(
    @Param('key') key: string,
    @Body() body: unknown,
    @Headers(FLAG_SET_HEADER) setName: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): OfrepEvaluation {
    const request = ofrepContextOf(body);
    if ('failure' in request) {
      void reply.status(ofrepStatusOf(request.failure.errorCode));
      return { ...request.failure, key };
    }
    const stored = this.lookup(setName);
    const answer = evaluateOfrepFlag(stored, key, request.context);
    if ('set' in stored) countOfrepAnswer(stored.name, answer);
    if (isOfrepFailure(answer)) void reply.status(ofrepStatusOf(answer.errorCode));
    return answer;
  }

  @Post()
  @HttpCode(200)
  evaluateAll(
    @Body() body: unknown,
    @Headers(FLAG_SET_HEADER) setName: string | undefined,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): { flags: OfrepEvaluation[] } | Omit<OfrepFailure, 'key'> | undefined {
    const request = ofrepContextOf(body);
    if ('failure' in request) {
      void reply.status(ofrepStatusOf(request.failure.errorCode));
      return request.failure;
    }
    const { context } = request;
    const stored = this.lookup(setName);
    if (!('set' in stored)) {
      void reply.status(400);
      return bulkFailureOf(stored);
    }
    const etag = bulkEtag({ flagSet: stored.name, revision: stored.revision, context });
    void reply.header('etag', etag);
    if (ifNoneMatch === etag) {
      void reply.status(304);
      return undefined;
    }
    const flags = evaluateOfrepFlags(stored.set, context);
    for (const answer of flags) countOfrepAnswer(stored.name, answer);
    return { flags };
  }

  private lookup(setName: string | undefined): StoredFlagSetLookup {
    const name = setName ?? DEFAULT_FLAG_SET;
    if (!FLAG_SET_NAME.test(name))
      return { missing: `header ${FLAG_SET_HEADER} must name a flag set (letters, digits, "-", "_"), got "${name}"` };
    return this.flagSets.lookup(name);
  }
}

/** The one place an OFREP error code becomes an HTTP status. */
export function ofrepStatusOf(code: OfrepErrorCode): number {
  switch (code) {
    case 'FLAG_NOT_FOUND':
      return 404;
    case 'PARSE_ERROR':
    case 'TARGETING_KEY_MISSING':
    case 'INVALID_CONTEXT':
    case 'GENERAL':
      return 400;
  }
}
