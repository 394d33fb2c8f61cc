// `bct setting export <name> DIR`: writes a built-in setting out as editable files in the user-setting
// format (src/settings/schema.ts): setting.yaml, train.jsonl and eval.jsonl with every reference target
// written out per prompt (a built-in's targets are code), and one JSONL file per capability evaluation.
// `bct check DIR/setting.yaml` and `bct run --setting DIR/setting.yaml` then load the same prompts,
// targets, graders, capability sets, spread and organism as the built-in. (`bct init --from <name>` writes
// the same files with a small sweep and a README.md to start an experiment from.) Exported into a folder
// named as the built-in, the file keeps its id, version and so its setting hash: a sweep of the file has
// the built-in's keys and reuses what the record holds for it.
import { join } from 'node:path';
import { Document, isMap, stringify, visit } from 'yaml';
import { ConfigError } from '../errors.js';
import { BUILTIN_SETTINGS, resolveSetting, type Setting } from '../settings/index.js';
import { type Command, writeLine } from './command.js';
import { parseOrHelp } from './config.js';
import { builtinScaffold, settingIdOf, writeFiles } from './init.js';
import type { CommandHelp } from './options.js';

const help: CommandHelp = {
  usage: 'bct setting export <name> DIR',
  arguments: ['action', 'name', 'DIR'],
  summary:
    'Writes the built-in setting <name> (bct ls settings) into the folder DIR as the files of a user setting:\n' +
    'setting.yaml, train.jsonl and eval.jsonl (each prompt with its reference target written out), and\n' +
    'capability/<name>.jsonl per capability evaluation. The setting\'s id is made from the folder\'s name,\n' +
    'its version and spread are the built-in\'s. `bct check DIR/setting.yaml` loads the same prompts,\n' +
    'targets, graders, capability sets, spread and organism as the built-in (in a folder named <name>, the\n' +
    'same setting, hash included). No existing file is overwritten.',
  examples: ['bct setting export animal-flag my-animal-flag', 'bct setting export chat-wronglang my-wronglang'],
};

export const settingCommand: Command = {
  name: 'setting',
  summary: 'write a built-in setting out as editable files (bct setting export <name> DIR)',
  async run(argv, io) {
    const args = parseOrHelp(argv, {}, help, (t) => io.out.write(t));
    if (args === undefined) return 0;
    const [action, name, dir] = args.positionals;
    if (action !== 'export') throw new ConfigError(`expected the action export (bct setting export <name> DIR), got ${action === undefined ? 'none' : JSON.stringify(action)}`, 'action');
    const known = BUILTIN_SETTINGS.map((b) => b.id);
    if (name === undefined || !known.includes(name)) throw new ConfigError(`expected the name of a built-in setting (${known.join(', ')}), got ${name === undefined ? 'none' : JSON.stringify(name)}`, '<name>');
    if (dir === undefined) throw new ConfigError('expected the folder to write the setting into', 'DIR');
    const id = settingIdOf(dir);
    const header = [`# ${id}: the built-in setting ${name} of bctlab, written out as files by \`bct setting export\` to edit.`, '# The file format is described in src/settings/README.md of bctlab; a prompt line\'s target is written out.'];
    const builtin = resolveSetting(name);
    const files = builtinScaffold(name, id, header)
      .files.filter((f) => f.path === 'setting.yaml' || f.path.endsWith('.jsonl'))
      .map((f) => (f.path === 'setting.yaml' ? { ...f, text: exportedSettingYaml(f.text, builtin) } : f));
    writeFiles(dir, files, 'bct setting export');
    const width = Math.max(...files.map((f) => f.path.length)) + 2;
    writeLine(io.out, `wrote the built-in setting ${name} as setting ${id} into ${join(dir, '/')}:`);
    for (const f of files) writeLine(io.out, `  ${f.path.padEnd(width)}${f.what}`);
    writeLine(io.out, `next: bct check ${join(dir, 'setting.yaml')}`);
    return 0;
  },
};

/** The scaffold's setting.yaml as an export writes it: with the built-in's version (the scaffold starts a
 *  new setting at 1; the version is in the setting's hash) and its spread, when it declares one. */
function exportedSettingYaml(scaffold: string, s: Setting): string {
  const versionLine = /^(version: 1 *)#.*$/m;
  const column = versionLine.exec(scaffold)?.[1]?.length;
  // The scaffold's own layout: a bug here if it changes, not the user's input.
  if (column === undefined) throw new Error('bct setting export: the scaffold\'s setting.yaml has no `version: 1  # …` line to replace');
  const version = `version: ${stringify(s.version).trimEnd()}`;
  const text = scaffold.replace(versionLine, `${version.padEnd(column - 2)}  # the built-in's: the setting's hash holds it`);
  return s.spread === undefined ? text : `${text}${spreadYaml(s.spread)}`;
}

/** `spread:` as YAML lines: the grader on one line, each evaluation's prompts on one line. */
function spreadYaml(spread: NonNullable<Setting['spread']>): string {
  const doc = new Document({ spread });
  visit(doc, { Seq: (_key, node) => void (node.flow = true) });
  const grader = doc.getIn(['spread', 'grader'], true);
  if (isMap(grader)) grader.flow = true;
  return `# how far the alternate shows on capability prompts where the rules do not ask for it (metric spread:<eval>)\n${doc.toString({ lineWidth: 0 })}`;
}
