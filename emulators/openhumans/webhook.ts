// The deauthorization webhook: Python json.dumps body, optional HMAC-SHA1 signature over the raw bytes,
// and the legacy unsigned re-post of the double-encoded body when the first POST is not a 2xx.
import { createHmac } from 'node:crypto';
import type { EmulatorContext } from './context.ts';
import { pythonIsoformat } from './ids.ts';
import { pythonJsonDumps } from './python-json.ts';
import type { Project, WebhookDelivery } from './state.ts';

const TIMEOUT_MS = 10_000;

export function webhookBody(projectMemberId: string, erasureRequested: boolean, timestampMs: number): string {
  return pythonJsonDumps({
    project_member_id: projectMemberId,
    erasure_requested: erasureRequested,
    timestamp: pythonIsoformat(timestampMs),
  });
}

export function webhookSignature(secret: string, body: string): string {
  return `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`;
}

async function post(url: string, body: string, headers: Record<string, string>): Promise<number> {
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'Content-Type': 'application/json', ...headers },
    redirect: 'manual',
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  await res.body?.cancel();
  return res.status;
}

/** Sends the webhook (if the project has one) and records the delivery. Never throws. */
export async function sendDeauthWebhook(
  ctx: EmulatorContext,
  project: Project,
  projectMemberId: string,
  erasureRequested: boolean,
): Promise<WebhookDelivery | undefined> {
  if (!project.webhookUrl || !/^https?:\/\//.test(project.webhookUrl)) return undefined;
  const body = webhookBody(projectMemberId, erasureRequested, ctx.state.clock.now());
  const signature = project.webhookSecret ? webhookSignature(project.webhookSecret, body) : null;
  const delivery: WebhookDelivery = {
    projectId: project.id,
    projectMemberId,
    url: project.webhookUrl,
    body,
    signature,
    status: null,
    error: null,
    legacyRetryStatus: null,
    at: ctx.state.clock.now(),
  };
  try {
    delivery.status = await post(
      project.webhookUrl,
      body,
      signature ? { 'X-OpenHumans-Webhooks-Signature': signature } : {},
    );
  } catch (err) {
    delivery.error = (err as Error).message;
  }
  if (delivery.status === null || delivery.status < 200 || delivery.status > 299) {
    try {
      delivery.legacyRetryStatus = await post(project.webhookUrl, JSON.stringify(body), {});
    } catch (err) {
      delivery.error = `${delivery.error ?? ''}; legacy retry: ${(err as Error).message}`;
    }
  }
  ctx.state.webhookDeliveries.push(delivery);
  ctx.logger.info(
    { projectId: project.id, status: delivery.status, legacy: delivery.legacyRetryStatus },
    'deauth webhook sent',
  );
  return delivery;
}

/** leave_project + webhook: what both a member leaving and remove-members do. */
export async function memberLeaves(
  ctx: EmulatorContext,
  project: Project,
  projectMemberId: string,
  erasureRequested: boolean,
): Promise<WebhookDelivery | undefined> {
  const m = ctx.state.revokeMembership(project.id, projectMemberId, erasureRequested);
  if (!m) return undefined;
  return sendDeauthWebhook(ctx, project, projectMemberId, erasureRequested);
}
