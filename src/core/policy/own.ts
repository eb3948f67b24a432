/**
 * A table's own entry for a key that comes from outside (a tool, command,
 * event or flag name an agent sent): never a member Object.prototype lends
 * every object (`constructor`, `toString`, `__proto__`…).
 */
export function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
