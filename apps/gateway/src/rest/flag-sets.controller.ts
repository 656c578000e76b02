// The flag-set admin API: the same use cases as `aviary flags ...` (FlagSetAdmin), over REST. No authentication
// yet (the security issue adds identities; events record `actor: null` until then).
import { flagSetRollbackSchema, invalid, parseOrThrow } from '@aviary/contracts';
import { FlagSetAdmin } from '@aviary/flags-engine';
import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import { FastifyReply } from 'fastify';

@Controller('v1/admin')
export class FlagSetsController {
  constructor(private readonly admin: FlagSetAdmin) {}

  @Get('flag-sets')
  async list() {
    return { flagSets: await this.admin.list() };
  }

  @Get('flag-sets/:set')
  async get(
    @Param('set') set: string,
    @Query('revision') revision: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const stored = await this.admin.get(set, revision === undefined ? undefined : revisionOf(revision, 'revision'));
    void reply.header('etag', `"${stored.revision}"`);
    return { set: stored.set, revision: stored.revision, document: JSON.parse(stored.document) as unknown };
  }

  /** `If-Match: "<revision>"` ("0": the set must not exist yet) makes the write conditional: 409 when it moved. */
  @Put('flag-sets/:set')
  apply(
    @Param('set') set: string,
    @Body() body: unknown,
    @Query('lenient') lenient: string | undefined,
    @Headers('if-match') ifMatch: string | undefined,
  ) {
    return this.admin.apply({
      set,
      document: documentOf(body),
      lenient: lenient === 'true',
      expectedRevision: ifMatch === undefined ? undefined : revisionOf(ifMatch.replace(/"/g, ''), 'If-Match', 0),
    });
  }

  @Post('flag-sets/:set/diff')
  @HttpCode(200)
  diff(@Param('set') set: string, @Body() body: unknown) {
    return this.admin.diff(set, documentOf(body));
  }

  @Get('flag-sets/:set/history')
  async history(@Param('set') set: string) {
    return { set, revisions: await this.admin.history(set) };
  }

  @Post('flag-sets/:set/rollback')
  @HttpCode(200)
  rollback(@Param('set') set: string, @Body() body: unknown) {
    const { to } = parseOrThrow(flagSetRollbackSchema, body, 'rollback request');
    return this.admin.rollback({ set, to });
  }

  @Delete('flag-sets/:set')
  remove(@Param('set') set: string) {
    return this.admin.remove(set);
  }

  @Get('flag-sets/:set/log')
  async setLog(@Param('set') set: string) {
    return { events: await this.admin.log(set) };
  }

  @Get('events')
  async events(@Query('kind') kind: string | undefined) {
    if (kind !== undefined && kind !== 'flags')
      throw invalid(`kind must be "flags" (the only events recorded so far), got "${kind}"`);
    return { events: await this.admin.log() };
  }
}

/** A flagd document arrives parsed; it is stored as indented JSON (the CLI stores its file byte for byte). */
function documentOf(body: unknown): string {
  if (body === undefined || body === null) throw invalid('the body must be a flagd flag-definition document (JSON)');
  return JSON.stringify(body, null, 2);
}

function revisionOf(value: string, what: string, min = 1): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min) throw invalid(`${what} must be a revision number, got "${value}"`);
  return n;
}
