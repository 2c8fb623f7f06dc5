import { randomUUID } from "node:crypto";
import type { LinkAction, Operation, WanpilotConfig } from "@wanpilot/common";
import { connectOperator, type OperatorClient } from "@wanpilot/runtime";

/** How long the page waits for the router's answer to a command. */
const ANSWER_MS = 5000;

/**
 * The page's operator actions, sent with the operator credential (the router accepts commands from it
 * alone); the command id starts with `web-` so the audit trail tells the page from the CLI.
 */
export class Commands {
  private client: OperatorClient | undefined;

  constructor(private config: WanpilotConfig) {}

  reconfigure(config: WanpilotConfig): void {
    this.config = config;
  }

  /** The router's result, or undefined when it did not answer in time. */
  async send(link: string, action: LinkAction, value: number | undefined): Promise<Operation | undefined> {
    const client = await this.connected();
    const id = `web-${randomUUID()}`;
    const answer = client.waitFor((op) => op.command === id, ANSWER_MS);
    await client.sendLinkCommand(link, { id, action, ...(value === undefined ? {} : { value }) });
    return await answer;
  }

  async close(): Promise<void> {
    await this.client?.close();
    this.client = undefined;
  }

  private async connected(): Promise<OperatorClient> {
    if (this.client?.connected === true) return this.client;
    await this.client?.close().catch(() => undefined);
    this.client = await connectOperator(this.config);
    return this.client;
  }
}
