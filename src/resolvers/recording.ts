import type { MutationResolvers, RecordingFilter, Resolvers, TranscriptionRequestInput } from '../generated/graphql';
import { badUserInput, toGraphQLError } from '../errors';
import { requireApi, type GatewayContext } from '../context';
import { mediaLinkSignerFor, mediaPath } from '../http/media-links';
import type { RecordingKey, RecordingListFilter, TranscribeRecordingBody } from '../upstreams/recording/client';
import { bandwidthCredentials } from '../upstreams/recording/credentials';
import { idProblem, normaliseE164, type IdKind } from '../upstreams/recording/ids';
import { createBandwidthCommands, type BandwidthCommands } from '../upstreams/recording/commands';
import type { RecordingModel } from '../upstreams/recording/mapping';
import { positionedConnection } from '../paging/connection';
import { reportLeftOut } from '../paging/left-out';
import { listWindow } from '../paging/rows';
import { pageWindow } from '../paging/window';

const PAGE = { defaultFirst: 100, maxFirst: 1000 };

function checkId(kind: IdKind, value: string): string {
  const problem = idProblem(kind, value);
  if (problem) throw badUserInput(problem, { argument: kind });
  return value;
}

/** The account asked for, else the configured one; UPSTREAM_UNAVAILABLE when Bandwidth is not set up. */
function accountOf(ctx: GatewayContext, accountId: string | null | undefined): string {
  requireApi(ctx.services, 'bandwidth');
  return checkId('accountId', accountId ?? bandwidthCredentials(ctx.services.config).defaultAccountId);
}

function recordingKey(ctx: GatewayContext, args: { accountId?: string | null; callId: string; recordingId: string }): RecordingKey {
  return {
    accountId: accountOf(ctx, args.accountId),
    callId: checkId('callId', args.callId),
    recordingId: checkId('recordingId', args.recordingId),
  };
}

function listFilter(filter: RecordingFilter | null | undefined): RecordingListFilter {
  const out: RecordingListFilter = {};
  for (const name of ['to', 'from'] as const) {
    const value = filter?.[name];
    if (value === null || value === undefined) continue;
    const number = normaliseE164(value);
    if (!number) {
      throw badUserInput(`filter.${name} must be an E.164 number such as +19195551234, got ${JSON.stringify(value.slice(0, 64))}`, {
        argument: `filter.${name}`,
      });
    }
    out[name] = number;
  }
  if (filter?.minStartTime) out.minStartTime = filter.minStartTime;
  if (filter?.maxStartTime) out.maxStartTime = filter.maxStartTime;
  if (out.minStartTime && out.maxStartTime && Date.parse(out.minStartTime) > Date.parse(out.maxStartTime)) {
    throw badUserInput('filter.minStartTime must not be after filter.maxStartTime', { argument: 'filter.minStartTime' });
  }
  return out;
}

const CALLBACK_METHODS = new Set(['GET', 'POST']);

/** TranscribeRecording body, checked as far as the API documents it. */
function transcriptionBody(input: TranscriptionRequestInput | null | undefined): TranscribeRecordingBody {
  const body: TranscribeRecordingBody = {};
  if (!input) return body;
  if (input.callbackUrl != null) {
    let url: URL | null = null;
    try {
      url = new URL(input.callbackUrl);
    } catch {
      url = null;
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || input.callbackUrl.length > 2048) {
      throw badUserInput('input.callbackUrl must be an absolute http(s) URL of at most 2048 characters', { argument: 'input.callbackUrl' });
    }
    body.callbackUrl = input.callbackUrl;
  }
  if (input.callbackMethod != null) {
    const method = input.callbackMethod.toUpperCase();
    if (!CALLBACK_METHODS.has(method)) throw badUserInput('input.callbackMethod must be GET or POST', { argument: 'input.callbackMethod' });
    body.callbackMethod = method as 'GET' | 'POST';
  }
  if (input.callbackTimeout != null) {
    if (!(input.callbackTimeout >= 1 && input.callbackTimeout <= 25)) {
      throw badUserInput('input.callbackTimeout must be between 1 and 25 seconds', { argument: 'input.callbackTimeout' });
    }
    body.callbackTimeout = input.callbackTimeout;
  }
  for (const [name, max] of [
    ['username', 1024],
    ['password', 1024],
    ['tag', 256],
  ] as const) {
    const value = input[name];
    if (value == null) continue;
    // The value itself is never echoed: the password is a secret.
    if (value.length > max) throw badUserInput(`input.${name} must be at most ${max} characters`, { argument: `input.${name}` });
    body[name] = value;
  }
  if (input.detectLanguage != null) body.detectLanguage = input.detectLanguage;
  return body;
}

function commandsOf(ctx: GatewayContext): BandwidthCommands {
  return createBandwidthCommands(requireApi(ctx.services, 'bandwidth'), ctx.loaders.bandwidth);
}

/** What a recording mutation answers once its command ran (a failure answers null with the error). */
const done = () => ({ ok: true, traceId: null, message: null });

function unwrap<T>(value: T | Error): T {
  if (value instanceof Error) throw toGraphQLError(value);
  return value;
}

const mutations: MutationResolvers<GatewayContext> = {
  async updateRecordingState(_root, { accountId, callId, state }, ctx) {
    const account = accountOf(ctx, accountId);
    checkId('callId', callId);
    const body = { state: state === 'PAUSED' ? ('paused' as const) : ('recording' as const) };
    await commandsOf(ctx).updateRecordingState(account, callId, body);
    return done();
  },
  async requestTranscription(_root, args, ctx) {
    const key = recordingKey(ctx, args);
    const body = transcriptionBody(args.input);
    await commandsOf(ctx).requestTranscription(key, body);
    return done();
  },
  async deleteRecording(_root, args, ctx) {
    const key = recordingKey(ctx, args);
    await commandsOf(ctx).deleteRecording(key);
    return done();
  },
  async deleteRecordingMedia(_root, args, ctx) {
    const key = recordingKey(ctx, args);
    await commandsOf(ctx).deleteRecordingMedia(key);
    return done();
  },
  async deleteRecordingTranscription(_root, args, ctx) {
    const key = recordingKey(ctx, args);
    await commandsOf(ctx).deleteRecordingTranscription(key);
    return done();
  },
};

export const recordingResolvers: Resolvers = {
  Query: {
    async recordings(_root, { accountId, filter, first, after }, ctx, info) {
      const account = accountOf(ctx, accountId);
      const checked = listFilter(filter);
      const window = pageWindow(first, after, PAGE);
      const list = unwrap(await ctx.loaders.bandwidth.accountRecordings.load({ accountId: account, filter: checked }));
      const { read, leftOut } = listWindow(list, window);
      reportLeftOut(ctx, info, leftOut, 'recording', 'bandwidth');
      return { capped: list.capped, ...positionedConnection(read, window) };
    },
    async callRecordings(_root, { accountId, callId }, ctx) {
      const account = accountOf(ctx, accountId);
      checkId('callId', callId);
      // An unreadable row stays an Error: graphql-js answers null and an error for that item only.
      return unwrap(await ctx.loaders.bandwidth.callRecordings.load({ accountId: account, callId })) as RecordingModel[];
    },
    async recording(_root, args, ctx) {
      return ctx.loaders.bandwidth.recording.load(recordingKey(ctx, args));
    },
  },
  Mutation: mutations,
  Recording: {
    mediaUrl(parent, _args, ctx) {
      if (!parent.hasMedia) return null;
      const path = mediaPath({ accountId: parent.accountId, callId: parent.callId, recordingId: parent.id });
      const signer = mediaLinkSignerFor(ctx.services.config);
      const { caller } = ctx.principal;
      if (caller.kind === 'user') return signer.signsUsers ? signer.signForUser(path, caller.subject, caller.expiresAt) : path;
      const keyId = ctx.principal.gatewayKeyId;
      return signer.enabled && keyId ? signer.sign(path, keyId) : path;
    },
    async transcript(parent, _args, ctx) {
      // No transcription in the metadata: nothing to fetch.
      if (!parent.transcription) return null;
      return ctx.loaders.bandwidth.transcript.load({ accountId: parent.accountId, callId: parent.callId, recordingId: parent.id });
    },
  },
};
