/** @module cli/commands/client — `skiff client config get|set`: the client config file. */
import { Command } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import {
  CLIENT_CONFIG_KEYS,
  isClientConfigKey,
  loadClientConfig,
  saveClientConfig,
} from '../client-config.ts';
import type { ClientConfigValues } from '../client-config.ts';
import type { CliContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { parseGoBool } from '../flags.ts';
import { createGroupCommand } from '../registry.ts';

function display(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Lines for `config get`: every key sorted, or the requested ones with `<NOT SET>` for missing. */
export function configGetText(values: ClientConfigValues, keys: readonly string[]): string {
  const wanted = keys.length > 0 ? keys : Object.keys(values).sort();
  return wanted.map((k) => `${k}: ${k in values ? display(values[k]) : '<NOT SET>'}\n`).join('');
}

/** Applies `KEY=VALUE` pairs (empty value deletes) after validating every pair, so a typo writes nothing. */
export function applyConfigPairs(values: ClientConfigValues, pairs: readonly string[]): ClientConfigValues {
  const next = { ...values };
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`invalid KEY=VALUE: "${pair}"`);
    const key = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    if (!isClientConfigKey(key)) {
      throw new UsageError(`unknown client config key "${key}"; known keys: ${CLIENT_CONFIG_KEYS.join(', ')}`);
    }
    if (key === 'colorized' && value !== '' && parseGoBool(value) === undefined) {
      throw new UsageError(`invalid value "${value}" for colorized: expected true or false`);
    }
    if (value === '') delete next[key];
    else next[key] = value;
  }
  return next;
}

function getCommand(ctx: CliContext): CommandUnknownOpts {
  const cmd = new Command('get')
    .description('Get client configuration file values')
    .argument('[keys...]', 'keys to print (default: all)')
    .action((keys) => {
      ctx.stdout.write(configGetText(loadClientConfig(ctx.homeDir).values, keys));
    });
  return cmd;
}

function setCommand(ctx: CliContext): CommandUnknownOpts {
  const cmd = new Command('set')
    .description(`Set client configuration file values (keys: ${CLIENT_CONFIG_KEYS.join(', ')}; an empty value unsets)`)
    .argument('<KEY=VALUE...>', 'settings to write')
    .action((pairs) => {
      // Starting from the effective config copies a Velero user's settings over
      // instead of hiding them behind a new, nearly empty Skiff file.
      const current = loadClientConfig(ctx.homeDir).values;
      saveClientConfig(ctx.homeDir, applyConfigPairs(current, pairs));
    });
  return cmd;
}

export function clientCommand(ctx: CliContext): CommandUnknownOpts {
  const config = createGroupCommand('config', 'Get and set client configuration file values');
  config.addCommand(getCommand(ctx));
  config.addCommand(setCommand(ctx));
  const client = createGroupCommand('client', 'Skiff client related commands');
  client.addCommand(config);
  return client;
}
