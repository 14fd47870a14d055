import type { Format } from '../options.js';
import { discord } from './discord.js';
import { generic } from './generic.js';
import { gotify } from './gotify.js';
import { ntfy } from './ntfy.js';
import { slack } from './slack.js';
import { teams } from './teams.js';
import { telegram } from './telegram.js';
import type { FormatBuilder } from './types.js';

export const BUILDERS: Record<Format, FormatBuilder> = { generic, slack, discord, teams, telegram, ntfy, gotify };
export type { OutgoingRequest } from './types.js';
