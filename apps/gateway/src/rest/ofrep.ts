// OFREP (OpenFeature Remote Evaluation Protocol 0.3.0), answered in-process from the gateway's live flag sets and
// served on the direct routes (no Fastify or Nest per request: an evaluation costs microseconds, their pipeline
// far more). Every answer, errors included, is in OFREP's own shape, never Aviary's {error}.
import { DEFAULT_FLAG_SET, RateLimiter } from '@aviary/contracts';
import {
  bulkEtag,
  bulkFailureOf,
  evaluateOfrepFlag,
  evaluateOfrepFlags,
  isOfrepFailure,
  OfrepErrorCode,
  ofrepContextOf,
  StoredFlagSetLookup,
} from '@aviary/flags-engine';
import { Inject, Injectable } from '@nestjs/common';
import { IncomingHttpHeaders } from 'node:http';
import { GATEWAY_CONFIG, GatewayConfig } from '../config';
import { countOfrepAnswer } from '../flag-metrics';
import { GatewayFlagSets } from '../gateway-flag-sets';
import type { RestFailure } from '@aviary/rest-door';

export const OFREP_PATH = '/ofrep/v1/evaluate/flags';
export const FLAG_SET_HEADER = 'aviary-flag-set';
const FLAG_SET_NAME = /^[A-Za-z0-9_-]+$/;

export interface OfrepAnswer {
  status: number;
  /** Absent for 304. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface OfrepRequest {
  /** The flag of a single evaluation; undefined for bulk. */
  key?: string;
  body: unknown;
  headers: IncomingHttpHeaders;
  /** The client's address, for the rate limit. */
  client: string;
}

@Injectable()
export class Ofrep {
  private readonly limiter?: RateLimiter;

  constructor(
    private readonly flagSets: GatewayFlagSets,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    const rate = config.AVIARY_OFREP_RATE_LIMIT;
    if (rate > 0) this.limiter = new RateLimiter(rate, Math.max(1, rate));
  }

  answer(request: OfrepRequest): OfrepAnswer {
    return this.overLimit(request.client) ?? (request.key === undefined ? this.bulk(request) : this.single(request));
  }

  private single({ key = '', body, headers }: OfrepRequest): OfrepAnswer {
    const request = ofrepContextOf(body);
    if ('failure' in request)
      return { status: ofrepStatusOf(request.failure.errorCode), body: { ...request.failure, key } };
    const stored = this.lookup(headers[FLAG_SET_HEADER]);
    const answer = evaluateOfrepFlag(stored, key, request.context);
    if ('set' in stored) countOfrepAnswer(stored.name, answer);
    return { status: isOfrepFailure(answer) ? ofrepStatusOf(answer.errorCode) : 200, body: answer };
  }

  private bulk({ body, headers }: OfrepRequest): OfrepAnswer {
    const request = ofrepContextOf(body);
    if ('failure' in request) {
      const { errorCode, errorDetails } = request.failure;
      return { status: ofrepStatusOf(errorCode), body: { errorCode, errorDetails } };
    }
    const { context } = request;
    const stored = this.lookup(headers[FLAG_SET_HEADER]);
    if (!('set' in stored)) return { status: 400, body: bulkFailureOf(stored) };
    const etag = bulkEtag({ flagSet: stored.name, revision: stored.revision, context });
    if (headers['if-none-match'] === etag) return { status: 304, headers: { etag } };
    const flags = evaluateOfrepFlags(stored.set, context);
    for (const answer of flags) countOfrepAnswer(stored.name, answer);
    return { status: 200, body: { flags }, headers: { etag } };
  }

  /** OFREP's 429: Retry-After in seconds, which the OFREP providers read (as a number or a date). */
  private overLimit(client: string): OfrepAnswer | undefined {
    const wait = this.limiter?.take(client, Date.now());
    if (!wait) return undefined;
    const rate = this.config.AVIARY_OFREP_RATE_LIMIT;
    return {
      status: 429,
      headers: { 'retry-after': String(wait) },
      body: { errorDetails: `rate limit of ${rate} requests/s per client reached; retry after ${wait} s` },
    };
  }

  private lookup(header: string | string[] | undefined): StoredFlagSetLookup {
    const name = (Array.isArray(header) ? header[0] : header) ?? DEFAULT_FLAG_SET;
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

/** A failure before or outside evaluation (a body that is not JSON, say): 4xx is PARSE_ERROR, anything else GENERAL. */
export function ofrepFailureOf(failure: RestFailure, key: string) {
  const errorCode = failure.status < 500 ? 'PARSE_ERROR' : 'GENERAL';
  return { key, errorCode, errorDetails: failure.message };
}
