/**
 * Infrastructure an agent can destroy from a terminal: cloud resources,
 * clusters, stacks, buckets and the volumes that hold local databases.
 * Nothing of it is in the workspace, so no checkpoint brings it back.
 * Tearing down a whole environment (`terraform destroy`, a namespace, a
 * bucket with everything in it, a database instance) is denied; deleting
 * one resource asks.
 */

export const INFRA_TOOLS: ReadonlySet<string> = new Set([
  'terraform', 'tofu', 'terragrunt', 'pulumi', 'cdk', 'cdktf', 'serverless', 'sls', 'kubectl', 'oc', 'helm', 'aws', 'gcloud', 'az', 'doctl', 'heroku', 'fly',
  'flyctl', 'vercel', 'docker', 'podman', 'docker-compose', 'etcdctl', 'influx', 'consul',
]);

/** `kubectl delete` of these removes everything inside them */
const KUBE_WHOLE = /^(namespaces?|ns|pv|persistentvolumes?|pvc|persistentvolumeclaims?|crds?|customresourcedefinitions?(\.\S+)?|nodes?|all)$/i;

/** `aws <service> <action>`: deletes whose loss is a whole store or environment */
const AWS_WHOLE = /^(rds (delete-db-instance|delete-db-cluster)|dynamodb delete-table|cloudformation delete-stack|eks delete-cluster|s3api delete-bucket|kms schedule-key-deletion|route53 delete-hosted-zone|ecr delete-repository|efs delete-file-system|elasticache delete-(cache-cluster|replication-group))$/;

type Verdict = { effect: 'deny' | 'ask'; what: string } | undefined;

/** Options of these programs that take a value, wherever they stand (`kubectl -n prod delete …`, `aws --region x rds …`). */
const VALUE_OPTIONS: ReadonlySet<string> = new Set([
  '-n', '--namespace', '--context', '--kubeconfig', '--cluster', '--user', '-s', '--server', '--kube-context', '--region', '--profile', '--output', '-o',
  '--endpoint-url', '--project', '--format', '--account', '--configuration', '-f', '--file', '-p', '--project-name', '--env-file', '--subscription', '-g',
  '--resource-group', '-a', '--app', '-c', '--config', '--chdir', '-H', '--host', '--log-level', '--stack', '-C', '--cwd',
]);

/** The words that are neither options nor the values of options, in order. */
function words(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('-')) {
      if (VALUE_OPTIONS.has(a)) i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

export function infrastructureDamage(name: string, args: readonly string[]): Verdict {
  const w = words(args);
  const sub = w[0] ?? '';
  const has = (...flags: string[]): boolean => args.some((a) => flags.includes(a) || flags.some((f) => f.startsWith('--') && a.startsWith(f + '=')));
  switch (name) {
    case 'terraform':
    case 'tofu':
    case 'terragrunt':
    case 'cdktf':
      if (sub === 'destroy' || sub === 'apply' && has('-destroy', '--destroy') || sub === 'run-all' && w[1] === 'destroy') {
        // `-target=…` limits the destroy to the resources named
        if (args.some((a) => /^--?target(=|$)/.test(a))) return { effect: 'ask', what: `${name} destroy -target tears down the resources named` };
        return { effect: 'deny', what: `${name} destroy tears down every resource the configuration manages` };
      }
      if (sub === 'state' && (w[1] === 'rm' || w[1] === 'push')) return { effect: 'ask', what: `${name} state ${w[1]} changes what ${name} believes exists` };
      if (sub === 'apply' && has('-auto-approve', '--auto-approve')) return { effect: 'ask', what: `${name} apply -auto-approve changes infrastructure without a review of the plan` };
      return undefined;
    case 'pulumi':
    case 'cdk':
      if (sub === 'destroy') return { effect: 'deny', what: `${name} destroy tears down a whole stack` };
      return undefined;
    case 'serverless':
    case 'sls':
      if (sub === 'remove') return { effect: 'deny', what: `${name} remove tears down the deployed service` };
      return undefined;
    case 'kubectl':
    case 'oc': {
      if (sub !== 'delete') return sub === 'drain' ? { effect: 'ask', what: `${name} drain evicts every workload from a node` } : undefined;
      const kinds = (w[1] ?? '').split(',');
      if (has('--all', '--all-namespaces', '-A')) return { effect: 'deny', what: `${name} delete ${w[1] ?? ''} --all deletes every one of them` };
      if (kinds.some((k) => KUBE_WHOLE.test(k.split('/')[0]!))) return { effect: 'deny', what: `${name} delete ${w[1] ?? ''} removes everything in it` };
      return { effect: 'ask', what: `${name} delete removes cluster resources` };
    }
    case 'helm':
      if (/^(uninstall|delete|del|un)$/.test(sub)) return { effect: 'ask', what: `helm ${sub} removes a release and its resources` };
      return undefined;
    case 'aws': {
      const action = `${sub} ${w[1] ?? ''}`;
      if (sub === 's3' && (w[1] === 'rb' || w[1] === 'rm')) {
        // `s3 rm --recursive` of a bucket, not of a prefix inside it (`s3://bucket/build-123/`)
        const whole = w[1] === 'rb' ? has('--force') : has('--recursive') && w.slice(2).some((x) => /^s3:\/\/[^/]+\/?$/.test(x));
        return { effect: whole ? 'deny' : 'ask', what: whole ? `aws s3 ${w[1]} ${w[1] === 'rb' ? '--force' : '--recursive'} deletes every object in the bucket` : `aws s3 ${w[1]} deletes from a bucket` };
      }
      if (AWS_WHOLE.test(action)) return { effect: 'deny', what: `aws ${action} deletes a whole data store or environment` };
      if (/^(delete|terminate|remove|deregister|purge)-/.test(w[1] ?? '')) return { effect: 'ask', what: `aws ${action} deletes cloud resources` };
      return undefined;
    }
    case 'gcloud': {
      if (!w.includes('delete')) return undefined;
      const path = w.slice(0, w.indexOf('delete')).join(' ');
      if (/^(projects|sql instances|container clusters|spanner instances|firestore databases|storage buckets|alpha storage buckets|bigtable instances)$/.test(path)) return { effect: 'deny', what: `gcloud ${path} delete deletes a whole data store or environment` };
      return { effect: 'ask', what: `gcloud ${path} delete deletes cloud resources` };
    }
    case 'az':
      if (sub === 'group' && w[1] === 'delete') return { effect: 'deny', what: 'az group delete deletes a resource group and everything in it' };
      if (w.includes('delete')) return { effect: 'ask', what: `az ${w.slice(0, w.indexOf('delete') + 1).join(' ')} deletes cloud resources` };
      return undefined;
    case 'doctl':
      if (w.includes('delete') || w.includes('rm')) return { effect: 'ask', what: 'doctl deletes cloud resources' };
      return undefined;
    case 'heroku':
      if (sub === 'apps:destroy' || sub === 'destroy' || sub === 'pg:reset') return { effect: 'deny', what: `heroku ${sub} ${sub === 'pg:reset' ? 'erases the database' : 'deletes the app'}` };
      return undefined;
    case 'fly':
    case 'flyctl':
      if (sub === 'destroy' || (sub === 'apps' || sub === 'volumes' || sub === 'postgres') && (w[1] === 'destroy' || w[1] === 'delete')) return { effect: 'deny', what: `${name} ${sub} ${w[1] ?? ''} deletes an app or its data`.replace(/ +/g, ' ') };
      return undefined;
    case 'vercel':
      if (sub === 'remove' || sub === 'rm') return { effect: 'ask', what: 'vercel remove deletes deployments' };
      return undefined;
    case 'etcdctl':
      // `del "" --prefix` and `del "" --from-key`: every key in the store
      if (sub === 'del' && (w[1] === '' || w[1] === undefined || w[1] === '/' || w[1] === '\x00') && has('--prefix', '--from-key')) return { effect: 'deny', what: 'etcdctl del with an empty prefix deletes every key' };
      if (sub === 'del') return { effect: 'ask', what: 'etcdctl del deletes keys' };
      return undefined;
    case 'consul':
      if (sub === 'kv' && w[1] === 'delete') return { effect: has('-recurse') && (w[2] === undefined || w[2] === '' || w[2] === '/') ? 'deny' : 'ask', what: 'consul kv delete deletes keys' };
      return undefined;
    case 'influx':
      if ((sub === 'bucket' || sub === 'org' || sub === 'delete') && (sub === 'delete' || w[1] === 'delete')) return { effect: 'ask', what: `influx ${sub} delete deletes stored data` };
      return undefined;
    case 'docker':
    case 'podman':
    case 'docker-compose': {
      // volumes hold the data of local databases; containers and images are rebuilt
      const compose = name === 'docker-compose' || sub === 'compose';
      const verb = compose ? w[name === 'docker-compose' ? 0 : 1] : sub;
      if (compose && (verb === 'down' || verb === 'rm') && has('-v', '--volumes')) return { effect: 'ask', what: `${name} compose ${verb} -v deletes the project's volumes and the data in them` };
      if (!compose && sub === 'volume' && (w[1] === 'rm' || w[1] === 'prune')) return { effect: 'ask', what: `${name} volume ${w[1]} deletes volumes and the data in them` };
      if (!compose && sub === 'system' && w[1] === 'prune' && has('--volumes')) return { effect: 'ask', what: `${name} system prune --volumes deletes volumes and the data in them` };
      return undefined;
    }
    default:
      return undefined;
  }
}
