/**
 * The service packages whose `run` the CLI starts. The end-to-end tests need all of them built; until a
 * package has landed they are skipped with its name in the title (never silently passed).
 */
export async function missingServices(): Promise<string[]> {
  const missing: string[] = [];
  for (const name of ["@wanpilot/prober", "@wanpilot/router", "@wanpilot/logger", "@wanpilot/observer"]) {
    try {
      const mod = (await import(name)) as { run?: unknown };
      if (typeof mod.run !== "function") missing.push(name);
    } catch {
      missing.push(name);
    }
  }
  return missing;
}
