// What makes a test or benchmark run the same every time: git cut off from
// the machine's and the user's configuration, and seeded randomness.

/** This process's environment without GIT_* variables, without system or global git config, with a fixed identity. */
export function isolatedGitEnv(identity: { name: string; email: string; date?: string }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  env.GIT_CONFIG_NOSYSTEM = '1';
  env.GIT_CONFIG_GLOBAL = '/dev/null';
  env.GIT_AUTHOR_NAME = env.GIT_COMMITTER_NAME = identity.name;
  env.GIT_AUTHOR_EMAIL = env.GIT_COMMITTER_EMAIL = identity.email;
  if (identity.date !== undefined) env.GIT_AUTHOR_DATE = env.GIT_COMMITTER_DATE = identity.date;
  return env;
}

/** A seeded pseudo-random generator (mulberry32): numbers in [0, 1), the same sequence for the same seed. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
