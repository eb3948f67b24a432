import { NONE, type PackContext } from './context.ts';

/**
 * Constructs whose meaning is only known when they run. The `shell` checks
 * are always on (at least ask, never a silent allow); the `obfuscation`
 * pack turns the ones that only hide something into denials.
 */
export function checkShell(pc: PackContext): void {
  const obf = pc.on('obfuscation');
  for (const s of pc.action.shell?.signals ?? NONE) {
    switch (s.code) {
      case 'shell.too-complex':
        pc.add('shell.too-complex', 'deny', s.detail ?? 'too complex to check', s.fragment, 'shell');
        break;
      case 'shell.parse-error':
        pc.add('shell.unparsed', 'ask', s.detail ?? 'the command could not be parsed completely', s.fragment, 'shell');
        break;
      case 'shell.dynamic-command':
        pc.add('shell.dynamic-command', 'ask', s.detail ?? 'the command name is only known at run time', s.fragment, 'shell');
        break;
      case 'shell.eval-dynamic':
        pc.add('shell.eval', 'ask', s.detail ?? 'runs text only known at run time', s.fragment, 'shell');
        break;
      case 'shell.stdin-exec':
        pc.add('shell.stdin-exec', 'ask', s.detail ?? 'runs a program read from a pipe', s.fragment, 'shell');
        break;
      case 'obfuscation.indirect-command':
        pc.add('shell.indirect-command', 'ask', s.detail ?? 'the command name comes from a variable', s.fragment, 'shell');
        break;
      case 'obfuscation.decoded-exec':
        pc.add(obf ? 'obfuscation.decoded-exec' : 'shell.decoded-exec', obf ? 'deny' : 'ask', s.detail ?? 'runs a decoded payload', s.fragment, obf ? 'obfuscation' : 'shell');
        break;
      case 'obfuscation.hidden-chars':
        pc.add(obf ? 'obfuscation.hidden-chars' : 'shell.hidden-chars', obf ? 'deny' : 'ask', s.detail ?? 'contains invisible characters', s.fragment, obf ? 'obfuscation' : 'shell');
        break;
      case 'obfuscation.encoded-command':
        pc.add(obf ? 'obfuscation.encoded-command' : 'shell.encoded-command', obf ? 'deny' : 'ask', s.detail ?? 'runs an encoded command', s.fragment, obf ? 'obfuscation' : 'shell');
        break;
      case 'obfuscation.non-ascii-command':
        pc.add('shell.non-ascii-command', 'ask', s.detail ?? 'the command name has look-alike characters', s.fragment, 'shell');
        break;
      case 'obfuscation.decoded-eval':
        pc.add('shell.decoded-eval', 'ask', s.detail ?? 'an inline program runs code it decodes', s.fragment, 'shell');
        break;
      case 'net.sends-identity':
        pc.add('shell.sends-identity', 'ask', s.detail ?? 'sends who and where the agent runs', s.fragment, 'shell');
        break;
      case 'shell.exec-env':
        pc.add('shell.exec-env', 'ask', s.detail ?? 'sets a variable that makes programs run or load code', s.fragment, 'shell');
        break;
      case 'shell.bypass-env':
        pc.add('shell.bypass-env', 'ask', s.detail ?? 'switches a safety check off', s.fragment, 'shell');
        break;
      case 'obfuscation.decoder':
        if (obf) pc.add('obfuscation.decoder', 'ask', s.detail ?? 'decodes an encoded payload', s.fragment);
        break;
      default:
        break;
    }
  }
  for (const sig of pc.action.signals) {
    if (sig.code === 'patch.unparsed') pc.add('shell.unparsed-patch', 'ask', 'the patch could not be read, so the files it changes are unknown', sig.fragment, 'shell');
  }
}
