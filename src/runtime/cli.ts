import type { CliIO, CommandRun } from './cliTypes.ts';
import { CliError } from './cliTypes.ts';

/**
 * The `belay` command line. Each command lives in its own module under
 * ./commands and is loaded only when used, so `belay hook` starts fast.
 */
const commands: Record<string, { summary: string; load: () => Promise<{ run: CommandRun }> }> = {
  hook: { summary: 'answer an agent hook call read from stdin: belay hook <dialect>', load: () => import('./commands/hook.ts') },
  policy: { summary: 'check, test or explain policy decisions: belay policy check|test|explain', load: () => import('./commands/policy.ts') },
  checkpoint: { summary: 'shadow-git checkpoints: belay checkpoint create|list|diff|restore|undo-restore|gc', load: () => import('./commands/checkpoint.ts') },
  rollback: { summary: 'undo one recorded action: belay rollback <receipt-id> [--last N]', load: () => import('./commands/rollback.ts') },
  receipts: { summary: 'the record of agent actions: belay receipts list|show|verify|export|stats', load: () => import('./commands/receipts.ts') },
  'kill-switch': { summary: 'deny every mutating agent action at once: belay kill-switch on|off|status', load: () => import('./commands/killSwitch.ts') },
  status: { summary: 'what Belay guards in this workspace: belay status', load: () => import('./commands/status.ts') },
  serve: { summary: 'the warm hook server hooks hand their calls to: belay serve [status|stop]', load: () => import('./commands/serve.ts') },
  connect: { summary: 'install or remove Belay hooks for other agents: belay connect [--agent A] [--remove] [--status]', load: () => import('./commands/connect.ts') },
};

function usage(): string {
  const lines = ['usage: belay <command> [options]   (every command takes --workspace DIR)', '', 'commands:'];
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(11)} ${c.summary}`);
  return lines.join('\n') + '\n';
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    io.stdout.write(`${process.env.BELAY_VERSION ?? 'dev'}\n`);
    return 0;
  }
  const command = commands[name];
  try {
    if (!command) throw new CliError(`unknown command '${name}' (try: belay --help)`, 2);
    const mod = await command.load();
    return await mod.run(rest, io);
  } catch (err) {
    return reportError(err, io);
  }
}

/** One line on stderr, never a stack trace (unless BELAY_DEBUG is set). */
export function reportError(err: unknown, io: CliIO): number {
  if (err instanceof CliError) {
    io.stderr.write(`belay: ${err.message}\n`);
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  io.stderr.write(`belay: ${message.split('\n')[0]}\n`);
  if (io.env.BELAY_DEBUG && err instanceof Error && err.stack) io.stderr.write(err.stack + '\n');
  return 1;
}
