/**
 * The `ofelia-operator` command: dispatches to one module per subcommand (src/cli/commands.ts).
 */
import { commands } from './cli/commands.ts';

function usage(): string {
  const lines = Object.entries(commands)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`);
  return `Usage: ofelia-operator <command> [flags]\n\nCommands:\n${lines.join('\n')}\n\nRun 'ofelia-operator <command> --help' for a command's flags.\n`;
}

export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const cmd = commands[name];
  if (!cmd) {
    process.stderr.write(`ofelia-operator: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const mod = await cmd.load();
  return mod.main(rest);
}

if (process.argv[1] && /(main\.ts|ofelia-operator(\.js)?)$/.test(process.argv[1])) {
  process.exitCode = await runCli(process.argv.slice(2));
}
