import { LabError } from "./errors.js";
import { addNamespace, listNamespaces, removeNamespace, removeNamespaceSync } from "./namespaces.js";
import { LabProcess, type SpawnOptions } from "./process.js";

const live = new Set<LabResources>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Best effort when a process exits without destroying its labs; sweepStaleLabs() catches the rest.
  process.once("exit", () => {
    for (const resources of live) resources.teardownSync();
  });
}

/** Everything one lab created: namespaces and processes, and their removal. */
export class LabResources {
  private readonly namespaces: string[] = [];
  private readonly processes = new Set<LabProcess>();
  private teardownPromise: Promise<void> | undefined;

  constructor() {
    live.add(this);
    installExitHook();
  }

  get destroyed(): boolean {
    return this.teardownPromise !== undefined;
  }

  assertLive(): void {
    if (this.destroyed) throw new LabError("LAB_DESTROYED", "this lab has been destroyed");
  }

  async addNamespace(name: string): Promise<void> {
    this.assertLive();
    await addNamespace(name);
    // Recorded only once created: a name clash must never make us delete someone else's namespace.
    this.namespaces.push(name);
  }

  owns(ns: string): boolean {
    return this.namespaces.includes(ns);
  }

  spawn(argv: readonly string[], options?: SpawnOptions): LabProcess {
    this.assertLive();
    const proc = new LabProcess(argv, options);
    this.processes.add(proc);
    void proc.exited.then(() => this.processes.delete(proc));
    return proc;
  }

  /** Idempotent: processes first (they would keep a deleted namespace alive), then namespaces. */
  teardown(): Promise<void> {
    this.teardownPromise ??= this.runTeardown();
    return this.teardownPromise;
  }

  private async runTeardown(): Promise<void> {
    live.delete(this);
    await Promise.all([...this.processes].map((proc) => proc.stop(500)));
    const results = await Promise.allSettled(this.namespaces.map((name) => removeNamespace(name)));
    const remaining = (await listNamespaces()).filter((name) => this.namespaces.includes(name));
    if (remaining.length > 0) {
      const reasons = results.filter((r) => r.status === "rejected").map((r) => r.reason as unknown);
      throw new LabError("LAB_CLEANUP_FAILED", `namespaces left behind: ${remaining.join(", ")}`, {
        cause: reasons[0],
      });
    }
  }

  teardownSync(): void {
    this.teardownPromise ??= Promise.resolve();
    live.delete(this);
    for (const proc of this.processes) proc.killNow();
    for (const name of this.namespaces) removeNamespaceSync(name);
  }
}
