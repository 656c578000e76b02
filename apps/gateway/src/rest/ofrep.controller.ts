// OFREP (OpenFeature Remote Evaluation Protocol 0.3.0), answered in-process from the gateway's live flag sets. Errors
// leave in OFREP's own shape, {key, errorCode, errorDetails}, never Aviary's {error}.
import { DEFAULT_FLAG_SET, RateLimiter } from '@aviary/contracts';
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
import { Body, Controller, Headers, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { GATEWAY_CONFIG, GatewayConfig } from '../config';
import { countOfrepAnswer } from '../flag-metrics';
import { GatewayFlagSets } from '../gateway-flag-sets';

export const OFREP_PATH = 'ofrep/v1/evaluate/flags';
export const FLAG_SET_HEADER = 'aviary-flag-set';
const FLAG_SET_NAME = /^[A-Za-z0-9_-]+$/;

@Controller(OFREP_PATH)
export class OfrepController {
  private readonly limiter?: RateLimiter;

  constructor(
    private readonly flagSets: GatewayFlagSets,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    const rate = config.AVIARY_OFREP_RATE_LIMIT;
    if (rate > 0) this.limiter = new RateLimiter(rate, Math.max(1, rate));
  }

  @Post(':key')
  @HttpCode(200)
  evaluate(
    @Param('key') key: string,
    @Body() body: unknown,
    @Headers(FLAG_SET_HEADER) setName: string | undefined,
    @Req() http: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): OfrepEvaluation | RateLimited {
    const limited = this.overLimit(http, reply);
    if (limited) return limited;
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
    @Req() http: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): { flags: OfrepEvaluation[] } | Omit<OfrepFailure, 'key'> | RateLimited | undefined {
    const limited = this.overLimit(http, reply);
    if (limited) return limited;
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

  /** OFREP's 429: Retry-After in seconds, which the OFREP providers read (as a number or a date). */
  private overLimit(http: FastifyRequest, reply: FastifyReply): RateLimited | undefined {
    const wait = this.limiter?.take(http.ip, Date.now());
    if (!wait) return undefined;
    void reply.status(429).header('retry-after', String(wait));
    const rate = this.config.AVIARY_OFREP_RATE_LIMIT;
    return { errorDetails: `rate limit of ${rate} requests/s per client reached; retry after ${wait} s` };
  }

  private lookup(setName: string | undefined): StoredFlagSetLookup {
    const name = setName ?? DEFAULT_FLAG_SET;
    if (!FLAG_SET_NAME.test(name))
      return { missing: `header ${FLAG_SET_HEADER} must name a flag set (letters, digits, "-", "_"), got "${name}"` };
    return this.flagSets.lookup(name);
  }
}

/** OFREP's generalErrorResponse. */
interface RateLimited {
  errorDetails: string;
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
