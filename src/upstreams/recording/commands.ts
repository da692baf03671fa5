import type { BandwidthClient, RecordingKey, RecordingStateBody, TranscribeRecordingBody } from './client';
import type { BandwidthCacheGroup, BandwidthLoaders } from './loaders';

/**
 * Bandwidth recording mutations for one request. Each one, whatever its outcome (a delete that
 * timed out or answered 404 may still have changed, or shown the absence of, what is cached),
 * invalidates the cached reads it can make stale before the answer is built. The recipe every
 * mutation follows: docs/architecture.md, "Adding a mutation".
 */
export function createBandwidthCommands(client: BandwidthClient, loaders: BandwidthLoaders) {
  const { credentials: c } = loaders;
  // Asked for only when a mutation runs: a query never makes one (src/runtime/cancellation.ts).
  const signal = () => loaders.cancel?.signal;

  async function run(call: () => Promise<void>, stale: readonly BandwidthCacheGroup[]): Promise<void> {
    try {
      await call();
    } finally {
      await loaders.invalidate(stale);
    }
  }

  return {
    /** Pauses or resumes the recording of a call in progress. */
    async updateRecordingState(accountId: string, callId: string, body: RecordingStateBody): Promise<void> {
      await run(() => client.updateRecordingState(accountId, callId, body, c, signal()), ['recordings']);
    },

    async requestTranscription(key: RecordingKey, body: TranscribeRecordingBody): Promise<void> {
      await run(() => client.requestTranscription(key, body, c, signal()), ['recordings', 'transcripts']);
    },

    async deleteRecording(key: RecordingKey): Promise<void> {
      await run(() => client.deleteRecording(key, c, signal()), ['recordings', 'transcripts']);
    },

    async deleteRecordingMedia(key: RecordingKey): Promise<void> {
      await run(() => client.deleteRecordingMedia(key, c, signal()), ['recordings']);
    },

    async deleteRecordingTranscription(key: RecordingKey): Promise<void> {
      await run(() => client.deleteRecordingTranscription(key, c, signal()), ['recordings', 'transcripts']);
    },
  };
}

export type BandwidthCommands = ReturnType<typeof createBandwidthCommands>;
