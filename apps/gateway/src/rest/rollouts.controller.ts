// The rollout admin API: the same use cases as `aviary rollout ...` (RolloutAdmin), over REST. No authentication yet.
import { invalid, ROLLOUT_COMMANDS } from '@aviary/contracts';
import { RolloutAdmin, RolloutCommand } from '@aviary/rollout';
import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';

@Controller('v1/admin/rollouts')
export class RolloutsController {
  constructor(private readonly admin: RolloutAdmin) {}

  @Get()
  async list() {
    return { rollouts: await this.admin.list() };
  }

  /** The body is a Rollout document; its `model` names the rollout. */
  @Put()
  apply(@Body() body: unknown) {
    if (body === undefined || body === null) throw invalid('the body must be a Rollout document (JSON)');
    return this.admin.apply(body);
  }

  @Get(':model')
  get(@Param('model') model: string) {
    return this.admin.get(model);
  }

  @Get(':model/history')
  async history(@Param('model') model: string) {
    return { model, events: await this.admin.history(model) };
  }

  /** promote, promote-full, pause, resume, abort, retry, undo. */
  @Post(':model/:command')
  @HttpCode(200)
  command(@Param('model') model: string, @Param('command') command: string) {
    if (!(ROLLOUT_COMMANDS as readonly string[]).includes(command))
      throw invalid(`the command must be one of ${ROLLOUT_COMMANDS.join(', ')}, got "${command}"`);
    return this.admin.command(model, command as RolloutCommand);
  }
}
