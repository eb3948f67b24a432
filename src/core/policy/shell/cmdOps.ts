import type { ArgWord } from './expand.ts';
import type { Handler } from './commandKit.ts';

/**
 * Deploys, disks, containers and package scripts.
 */
// ---------------------------------------------------------------- deploys, scheduling, disks

/** A script whose name says it deploys: deploy.sh, deploy-prod, release.sh, rollout.py */
export const DEPLOY_SCRIPT = /^(deploy|release|rollout|publish|promote|ship)([-_.].*)?$|[-_](deploy|release|rollout)(\.\w+)?$/i;
const DEPLOY_START = /^(deploy|release|rollout|publish|promote|ship)/i;

/** DEPLOY_SCRIPT.test(name), ruling out at a glance the names that neither start with a deploy word nor hold a - or _. */
export function isDeployScript(name: string): boolean {
  return (name.includes('-') || name.includes('_') || DEPLOY_START.test(name)) && DEPLOY_SCRIPT.test(name);
}

/** `name.replace(/^.*\//, '')`, without the regular expression when there is no slash. */
function afterSlash(name: string): string {
  return name.includes('/') ? name.replace(/^.*\//, '') : name;
}

const DEPLOY_WORD = /(^|[-_:./])(deploy|deployment|release|publish|prod|production|rollout|ship|promote)([-_:./]|$)/i;

const DRY_RUN = /^--(dry-run|dryrun|check|diff|plan|what-if|preview|noop)(=.*)?$/;

export function deployOf(name: string, args: readonly string[]): string | undefined {
  const target = deployTarget(name, args);
  if (target === undefined) return undefined;
  if (args.some((a) => DRY_RUN.test(a)) || (name === 'make' || name === 'just') && args.some((a) => a === '-n' || a === '--just-print' || a === '--dry-run')) return undefined;
  return target;
}

/** The names deployTarget's switch has a case for (a unit test checks them against the cases). */
export const DEPLOY_NAMES: ReadonlySet<string> = new Set([
  'kubectl', 'oc', 'helm', 'terraform', 'tofu', 'terragrunt', 'pulumi', 'cdk', 'cdktf', 'serverless', 'sls', 'wrangler', 'firebase', 'netlify',
  'fly', 'flyctl', 'eb', 'kamal', 'skaffold', 'railway', 'amplify', 'sst', 'cap', 'vercel', 'heroku', 'gcloud', 'aws', 'az', 'ansible-playbook',
  'argocd', 'nomad', 'docker', 'npm', 'pnpm', 'yarn', 'bun', 'cargo', 'twine', 'gem', 'poetry', 'uv', 'hatch', 'flit', 'make', 'just', 'task',
  'mage', 'rake', 'invoke', 'fab', 'nx', 'turbo', 'gradle', './gradlew', 'mvn', 'gh',
]);

function deployTarget(name: string, args: readonly string[]): string | undefined {
  // the switch's default, without comparing the name with every case first
  if (!DEPLOY_NAMES.has(name)) return isDeployScript(afterSlash(name)) ? name : undefined;
  const a0 = args[0] ?? '';
  const a1 = args[1] ?? '';
  let joinedText: string | undefined;
  const joined = (): string => (joinedText ??= args.join(' '));
  switch (name) {
    case 'kubectl':
    case 'oc':
      if (/^(apply|create|delete|replace|patch|rollout|scale|set|edit|drain|cordon|uncordon|taint|annotate|label|autoscale|expose|run)$/.test(a0)) return `${name} ${a0}`;
      return undefined;
    case 'helm':
      return /^(install|upgrade|uninstall|delete|rollback)$/.test(a0) ? `helm ${a0}` : undefined;
    case 'terraform':
    case 'tofu':
    case 'terragrunt':
      return /^(apply|destroy|import|taint|untaint)$/.test(a0) || (a0 === 'state' && /^(rm|mv|push|replace-provider)$/.test(a1)) || a0 === 'run-all' && /^(apply|destroy)$/.test(a1) ? `${name} ${a0}` : undefined;
    case 'pulumi':
      return /^(up|update|destroy|import|refresh)$/.test(a0) ? `pulumi ${a0}` : undefined;
    case 'cdk':
    case 'cdktf':
      return /^(deploy|destroy)$/.test(a0) ? `${name} ${a0}` : undefined;
    case 'serverless':
    case 'sls':
    case 'wrangler':
    case 'firebase':
    case 'netlify':
    case 'fly':
    case 'flyctl':
    case 'eb':
    case 'kamal':
    case 'skaffold':
    case 'railway':
    case 'amplify':
    case 'sst':
    case 'cap':
      return /^(deploy|publish|run|up|remove|destroy|release|rollback|launch|push)$/.test(a0) || /\b(deploy|production)\b/.test(joined()) ? `${name} ${a0}` : undefined;
    case 'vercel':
      return a0 === '' || /^(deploy|--prod|promote|rollback|alias|remove|rm)$/.test(a0) || args.includes('--prod') ? 'vercel deploy' : undefined;
    case 'heroku':
      return /^(releases:rollback|ps:scale|container:release|pg:reset|apps:destroy|config:set)$/.test(a0) ? `heroku ${a0}` : undefined;
    case 'gcloud':
      return /\b(deploy|delete|update|create)\b/.test(joined()) && /\b(app|run|functions|compute|container|sql|deployment-manager)\b/.test(joined()) ? 'gcloud deploy' : undefined;
    case 'aws':
      return /\b(deploy|create-stack|update-stack|delete-stack|update-function-code|update-service|terminate-instances|delete-bucket|rb|put-bucket-policy)\b/.test(joined()) ? `aws ${a0}` : undefined;
    case 'az':
      return /\b(deploy|delete|up|create)\b/.test(joined()) && /\b(webapp|functionapp|deployment|aks|containerapp|group)\b/.test(joined()) ? `az ${a0}` : undefined;
    case 'ansible-playbook':
      return 'ansible-playbook';
    case 'argocd':
      return a0 === 'app' && /^(sync|delete|rollback|set)$/.test(a1) ? `argocd app ${a1}` : undefined;
    case 'nomad':
      return a0 === 'job' && /^(run|stop|dispatch|revert)$/.test(a1) ? `nomad job ${a1}` : undefined;
    case 'docker':
      if (a0 === 'push') return 'docker push';
      if (a0 === 'stack' && a1 === 'deploy') return 'docker stack deploy';
      if (a0 === 'service' && /^(update|create|rm|scale|rollback)$/.test(a1)) return `docker service ${a1}`;
      return undefined;
    case 'npm':
    case 'pnpm':
    case 'yarn':
    case 'bun':
      if (a0 === 'publish' || a0 === 'unpublish' || a0 === 'deprecate') return `${name} ${a0}`;
      if ((a0 === 'run' || a0 === 'run-script') && DEPLOY_WORD.test(a1)) return `${name} run ${a1}`;
      if (name === 'yarn' && DEPLOY_WORD.test(a0) && a0 !== 'release-notes') return `yarn ${a0}`;
      return undefined;
    case 'cargo':
      return a0 === 'publish' || a0 === 'yank' ? `cargo ${a0}` : undefined;
    case 'twine':
      return a0 === 'upload' ? 'twine upload' : undefined;
    case 'gem':
      return a0 === 'push' || a0 === 'yank' ? `gem ${a0}` : undefined;
    case 'poetry':
    case 'uv':
    case 'hatch':
    case 'flit':
      return a0 === 'publish' ? `${name} publish` : undefined;
    case 'make':
    case 'just':
    case 'task':
    case 'mage':
    case 'rake':
    case 'invoke':
    case 'fab':
    case 'nx':
    case 'turbo':
    case 'gradle':
    case './gradlew':
    case 'mvn': {
      const target = args.find((a) => !a.startsWith('-') && !a.includes('=') && DEPLOY_WORD.test(a));
      return target ? `${name} ${target}` : undefined;
    }
    case 'gh':
      if (a0 === 'workflow' && a1 === 'run' && (DEPLOY_WORD.test(args[2] ?? '') || /environment=|env=/.test(joined()))) return `gh workflow run ${args[2] ?? ''}`;
      if (a0 === 'release' && (a1 === 'create' || a1 === 'delete')) return `gh release ${a1}`;
      return undefined;
    default:
      if (isDeployScript(afterSlash(name))) return name;
      return undefined;
  }
}

const DISK_TOOLS = new Set(['mkfs', 'mke2fs', 'mkswap', 'wipefs', 'fdisk', 'sfdisk', 'cfdisk', 'parted', 'gdisk', 'sgdisk', 'blkdiscard', 'mkdosfs', 'mkntfs', 'newfs', 'zpool', 'lvremove', 'vgremove', 'pvremove', 'cryptsetup', 'format', 'diskpart', 'format-volume', 'clear-disk', 'initialize-disk']);

export function isDiskTool(name: string, args: readonly string[]): boolean {
  if (name.startsWith('mkfs.') || name.startsWith('mkfs_') || DISK_TOOLS.has(name)) {
    if (name === 'zpool') return args[0] === 'destroy' || args[0] === 'labelclear';
    if (name === 'cryptsetup') return /^(luksFormat|erase|luksErase|reencrypt)$/.test(args[0] ?? '');
    if (name === 'fdisk' || name === 'sfdisk' || name === 'parted' || name === 'gdisk') return !args.some((a) => a === '-l' || a === '--list' || a === 'print');
    if (name === 'format') return args.some((a) => /^[A-Za-z]:$/.test(a));
    return true;
  }
  if (name === 'diskutil') return /^(erase\w*|zeroDisk|randomDisk|secureErase|partitionDisk|reformat)$/i.test(args[0] ?? '');
  if (name === 'hdparm') return args.some((a) => /security-erase|--trim-sector-ranges|--write-sector/.test(a));
  return false;
}

export const DEVICE_PATH = /^\/dev\/(sd[a-z]+\d*|hd[a-z]+\d*|vd[a-z]+\d*|xvd[a-z]+\d*|nvme\d+(n\d+)?(p\d+)?|mmcblk\d+(p\d+)?|disk\d+(s\d+)?|rdisk\d+|dm-\d+|md\d+|mapper\/.+|loop\d+|sr\d+|mtdblock\d+|root|disk\/.+)$/;


/** docker/podman run|create with -v/--volume/--mount: the mounted host paths are exposed to the container. */
export const container: Handler = (args, ctx, info) => {
  const verb = args.find((a) => !a.v.startsWith('-'))?.v;
  if (verb === 'cp') {
    // `docker cp SRC DEST`: a host path (no `container:` prefix) as source is read, as destination written
    const ends = args.filter((a) => !a.v.startsWith('-')).slice(1);
    const host = (a: ArgWord | undefined): boolean => a !== undefined && !/^[\w.-]+:/.test(a.v) && a.v !== '-';
    if (ends.length === 2) {
      if (host(ends[0])) info.reads.push(ctx.resolve(ends[0]!));
      if (host(ends[1])) info.writes.push(ctx.resolve(ends[1]!));
    }
    return;
  }
  if (verb !== 'run' && verb !== 'create' && !(verb === 'compose' || verb === 'container')) return;
  let mounted: { dst: string; src: string }[] | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!.v;
    let spec: string | undefined;
    if (a === '-v' || a === '--volume' || a === '--mount') spec = args[++i]?.v;
    else if (a.startsWith('--volume=') || a.startsWith('--mount=')) spec = a.slice(a.indexOf('=') + 1);
    else if (/^-v./.test(a)) spec = a.slice(2);
    if (!spec) continue;
    const src = spec.includes('source=') || spec.includes('src=') ? /(?:source|src)=([^,]+)/.exec(spec)?.[1] : spec.split(':')[0];
    if (src && (src.startsWith('/') || src.startsWith('.') || src.startsWith('~') || src.startsWith('$'))) {
      const path = ctx.resolve(src);
      info.reads.push(path);
      info.mounts = [...(info.mounts ?? []), path];
      const dst = spec.includes('target=') || spec.includes('dst=') || spec.includes('destination=') ? /(?:target|dst|destination)=([^,]+)/.exec(spec)?.[1] : spec.split(':')[1];
      if (dst && dst.startsWith('/') && dst.length > 1) (mounted ??= []).push({ dst: dst.replace(/\/+$/, ''), src: path });
    }
  }
  // files the container's command names under a mount are the host's files there (`-v $PWD:/w alpine cat /w/.env`);
  // a command that deletes or writes changes them on the host (`-v $PWD:/w alpine rm -rf /w/src`)
  const command = mounted ? containerCommand(args) : undefined;
  const effect = command ? containerEffect(command) : undefined;
  // a host path the container's command names, recorded as what the command does to it
  const record = (host: string): void => {
    if (effect === 'delete' || effect === 'delete-tree') info.deletes.push({ path: host, recursive: effect === 'delete-tree', via: `${info.name} run` });
    else if (effect === 'write') info.writes.push(host);
    else info.reads.push(host);
  };
  // relative paths under a working folder that is mounted (`-v $PWD:/w -w /w alpine rm -rf src`) are the host's too
  const workdirWord = args.findIndex((a) => a.v === '-w' || a.v === '--workdir');
  const workdir = workdirWord >= 0 ? args[workdirWord + 1]?.v : args.find((a) => a.v.startsWith('--workdir='))?.v.slice('--workdir='.length);
  const hostDir = workdir !== undefined ? mounted?.find((m) => workdir === m.dst || workdir.startsWith(m.dst + '/')) : undefined;
  if (hostDir && workdir !== undefined && command) {
    const dir = hostDir.src + workdir.slice(hostDir.dst.length);
    for (const word of command.slice(1)) {
      if (word === '' || word.startsWith('-') || word.startsWith('/')) continue;
      record(ctx.resolve(word, dir));
    }
  }
  for (const m of mounted ?? []) {
    const under = new RegExp(`(?:^|[\\s'"=:(])${m.dst.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(/[^\\s'";|&()<>]*)?`, 'g');
    for (const a of args) for (const hit of a.v.matchAll(under)) if (hit[1] && hit[1].length > 1) record(m.src + hit[1]);
  }
};

/** Options of `docker run` that take a value (the image is the first word that is neither an option nor a value). */
const RUN_VALUE_OPTIONS = new Set([
  '-v', '--volume', '--mount', '-e', '--env', '--env-file', '--name', '-p', '--publish', '-w', '--workdir', '--entrypoint', '--network', '--net', '-u', '--user',
  '-l', '--label', '--restart', '--platform', '-m', '--memory', '--cpus', '-h', '--hostname', '--add-host', '--device', '--cap-add', '--cap-drop', '--security-opt',
  '--tmpfs', '--ulimit', '--log-driver', '--log-opt', '--pid', '--ipc', '--shm-size', '--gpus', '--runtime', '--volumes-from', '--link', '--dns', '--expose',
  '--pull', '--stop-signal', '--cidfile', '--group-add', '--userns', '--uts', '--cgroupns', '-a', '--attach', '--cpu-shares', '-c', '--cpuset-cpus',
  '--cpuset-mems', '--memory-swap', '--memory-reservation', '--kernel-memory', '--blkio-weight', '--oom-score-adj', '--health-cmd', '--health-interval',
  '--health-retries', '--health-timeout', '--isolation', '--mac-address', '--ip', '--ip6', '--network-alias', '--dns-search', '--dns-option', '--sysctl',
  '--storage-opt', '--stop-timeout', '--volume-driver', '--device-cgroup-rule', '--annotation', '--label-file', '--init-path',
]);

/**
 * The words of the command a container runs (after the image); for `sh -c` the
 * words of its script when it is one simple command. Undefined when unknown.
 */
function containerCommand(args: readonly ArgWord[]): string[] | undefined {
  let i = args.findIndex((a) => a.v === 'run' || a.v === 'create');
  if (i < 0) return undefined;
  for (i++; i < args.length; i++) {
    const a = args[i]!.v;
    if (!a.startsWith('-')) break;
    if (RUN_VALUE_OPTIONS.has(a)) i++;
  }
  const cmd = args.slice(i + 1).map((a) => a.v);
  // `sh -c "rm -rf /w/src"`: the words of the script it runs, when it is one simple command (else each path is only read)
  if (/^(sh|bash|ash|dash|zsh)$/.test((cmd[0] ?? '').replace(/^.*\//, '')) && cmd[1] === '-c' && cmd[2] !== undefined) {
    if (/[;&|\n`$()<>]/.test(cmd[2])) return undefined;
    return cmd[2].trim().split(/\s+/);
  }
  return cmd;
}

/** What a container's command does to the paths it names: delete (a tree), write, or read. */
function containerEffect(cmd: readonly string[]): 'delete' | 'delete-tree' | 'write' | undefined {
  const name = (cmd[0] ?? '').replace(/^.*\//, '');
  const flags = cmd.slice(1).filter((a) => a.startsWith('-'));
  if (name === 'rm' || name === 'shred' || name === 'unlink' || name === 'rmdir') return flags.some((f) => /^-[a-zA-Z]*[rR]|^--recursive$/.test(f)) ? 'delete-tree' : 'delete';
  // find deletes what its filters select: judged as single files, as a find on the host is
  if (name === 'find' && cmd.includes('-delete')) return cmd.some((a) => /^-(i?name|i?path|i?regex|i?wholename)$/.test(a)) ? 'delete' : 'delete-tree';
  if (/^(cp|mv|tee|touch|dd|truncate|install|ln|chmod|chown)$/.test(name) || name === 'sed' && flags.some((f) => /^-[a-zA-Z]*i|^--in-place/.test(f))) return 'write';
  return undefined;
}

export const npmPkg: Handler = (args, _ctx, info, signals) => {
  // `npm set-script name "cmd"` (npm 7): the same as `npm pkg set scripts.name=cmd`
  if (args[0]?.v === 'set-script' && args[1] !== undefined && args[2] !== undefined) {
    signals.push({ code: 'deferred.npm-script', fragment: info.text, detail: `${args[1].v}=${args.slice(2).map((a) => a.v).join(' ')}` });
    return;
  }
  if (args[0]?.v !== 'pkg' || args[1]?.v !== 'set') return;
  for (const a of args.slice(2)) {
    const m = /^scripts\.([^=]+)=(.*)$/s.exec(a.v);
    if (m) signals.push({ code: 'deferred.npm-script', fragment: info.text, detail: `${m[1]}=${m[2]}` });
  }
};

